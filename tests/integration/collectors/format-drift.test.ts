/**
 * Issue 13, findings 5 and 6 through the real pipeline (BullMQ on a real Redis, the collect and load workers, chDB):
 * the local TikTok-shaped server switches to a page format no parser knows, mid-run. Every failing response is kept
 * in the data dir and the failure row points at it; the operations page links to it as plain text; a format_drift
 * alert is logged once, posted to the webhook once, and shown as a banner; its message names the saved responses and
 * the command that re-parses them, and that command reads them.
 */
import http from 'node:http';
import { existsSync } from 'node:fs';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../src/runtime/app.ts';
import { createCollectors } from '../../../src/collectors/registry.ts';
import { createRootLogger } from '../../../src/util/log.ts';
import { mountAll } from '../../../src/api/mount-all.ts';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { createFormatDriftHook, type DriftAlertPayload } from '../../../src/services/format-drift.ts';
import { evidencePath, rawDirOf } from '../../../src/services/raw-evidence.ts';
import { failuresForTagQuery } from '../../../src/store/queries.ts';
import { runParse } from '../../../src/cli/commands/parse.ts';
import type { Config } from '../../../src/config/config.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { captureIo } from '../../unit/collectors/helpers.ts';

const WINDOW = 10;

describe('format drift and raw evidence, end to end', () => {
  let redis: TestRedis;
  let tiktok: FakeTikTok;
  let app: App;
  let cfg: Config;
  let dir: { dir: string; cleanup: () => void };
  let hook: ReturnType<typeof createFormatDriftHook>;
  let webhook: http.Server;
  const posted: DriftAlertPayload[] = [];
  let logText = '';
  let slot = Date.UTC(2031, 0, 1);

  beforeAll(async () => {
    createRootLogger('info', [], new Writable({ write: (chunk, _enc, done) => ((logText += String(chunk)), done()) }));
    redis = await startTestRedis();
    tiktok = await startFakeTikTok({ tags: { mentalhealth: { views0: 124_512_345_678n, posts0: 3_456_789n, viewsPerHour: 1000, postsPerHour: 10 } } });
    webhook = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += String(c)));
      req.on('end', () => {
        posted.push(JSON.parse(body) as DriftAlertPayload);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => webhook.listen(0, '127.0.0.1', r));
    dir = tempDir();
    cfg = testConfig({
      dataDir: dir.dir,
      tiktokBaseUrl: tiktok.url,
      alertWebhookUrl: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/hook`,
      driftWindow: WINDOW,
      rawEvidenceKeepPerKind: 8,
      loadFlushMs: 20,
      lockDurationMs: 10_000,
      stalledIntervalMs: 5000,
      apiPort: 0,
    });
    hook = createFormatDriftHook(cfg, () => app?.store);
    app = await new App({
      cfg,
      command: 'test',
      roles: { scheduler: false, collect: true, load: true, api: true },
      redis: redis.target,
      naming: { prefix: 'tp', suffix: randomName('q') },
      collectors: createCollectors(cfg, ['tiktok']),
      onLoaded: hook,
      beforeStoreClose: () => hook.idle(),
      mount: (router, deps) => mountAll(router, { ...deps, cfg }),
    }).start();
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    await tiktok?.close();
    await new Promise<void>((r) => (webhook ? webhook.close(() => r()) : r()));
    await redis?.cleanup();
    dir?.cleanup();
  });

  /** Sample #mentalhealth n times, one slot each, one attempt each, and wait until every outcome is stored. */
  async function sample(n: number): Promise<void> {
    const before = logText.split('"msg":"sampled"').length + logText.split('"msg":"sample failed"').length;
    for (let i = 0; i < n; i++) {
      slot += 60_000;
      const at = new Date(slot).toISOString();
      // One at a time, so samples have distinct times in the order they were taken.
      await app.queues.get('tiktok')!.add('collect', { platform: 'tiktok', tag: 'mentalhealth', slot: at, reason: 'manual' }, { jobId: `s-${slot}`, attempts: 1 });
      await waitUntil(async () => (logText.split('"msg":"sampled"').length + logText.split('"msg":"sample failed"').length >= before + i + 1 ? true : undefined), { timeoutMs: 20_000, what: `sample ${i}` });
    }
  }

  it('a format change mid-run: evidence kept and linked, one format_drift alert with the files and the command', async () => {
    await sample(WINDOW + 2); // the baseline: the page is read
    await waitUntil(async () => ((await app.store!.run(failuresForTagQuery, { platform: 'tiktok', tag: 'mentalhealth' })).length === 0 ? true : undefined), { what: 'no failures yet' });
    expect(posted).toEqual([]);

    tiktok.setFormat('unknown_2027');
    await sample(WINDOW);
    const alert = await waitUntil(async () => posted[0], { timeoutMs: 30_000, what: 'the format_drift webhook' });
    expect(alert).toMatchObject({ rule: 'format_drift', kind: 'format_drift', platform: 'tiktok', tag: '', metric: '' });
    expect(alert.recentShare).toBeGreaterThan(0.5);
    expect(alert.baselineShare).toBe(0);
    expect(alert.message).toContain('the page format seems to have changed');
    expect(alert.rawFiles.length).toBeGreaterThan(0);
    for (const f of alert.rawFiles) {
      expect(f.startsWith(rawDirOf(dir.dir))).toBe(true);
      expect(existsSync(f)).toBe(true);
      expect(alert.message).toContain(f);
    }
    expect(alert.reparse).toBe(`tagpulse parse ${alert.rawFiles.join(' ')}`);
    expect(alert.message).toContain(alert.reparse);

    // The command in the message reads the saved responses: they are the no_data pages, as seen live.
    const io = captureIo();
    expect(await runParse({ files: alert.rawFiles, json: true }, io)).toBe(1);
    for (const line of io.lines) expect(JSON.parse(line)).toMatchObject({ platform: 'tiktok', error: { kind: 'no_data' } });

    // Every failure row points at its saved response.
    const failures = await waitUntil(async () => {
      const rows = await app.store!.run(failuresForTagQuery, { platform: 'tiktok', tag: 'mentalhealth' });
      return rows.length === WINDOW ? rows : undefined;
    }, { what: `${WINDOW} failure rows` });
    for (const f of failures) {
      expect(f.kind).toBe('no_data');
      expect(f.raw_ref).toMatch(/^tiktok--no_data--/);
    }
    // Bounded: only the newest rawEvidenceKeepPerKind responses are still on disk.
    const onDisk = failures.filter((f) => existsSync(evidencePath(rawDirOf(dir.dir), f.raw_ref)!));
    expect(onDisk.length).toBe(8);

    // Still failing: more samples, still one alert, logged once.
    await sample(3);
    await hook.idle();
    expect(posted).toHaveLength(1);
    expect(logText.split('the page format seems to have changed').length - 1).toBe(1);

    // The operations page and the overview show the banner; the ops data links each failure to its response.
    const base = app.api!.url;
    const banners = (await (await fetch(`${base}/api/alerts/drift`)).json()) as { banners: { platform: string; message: string }[] };
    expect(banners.banners).toMatchObject([{ platform: 'tiktok' }]);
    const ops = (await (await fetch(`${base}/api/ops`)).json()) as { drift: unknown[]; failures: { recent: { raw_ref: string }[] } };
    expect(ops.drift).toHaveLength(1);
    const newest = ops.failures.recent[0]!.raw_ref;
    const res = await fetch(`${base}/api/ops/raw/${newest}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="${newest}.txt"`);
    expect(res.headers.get('content-security-policy')).toContain('sandbox');
    const text = await res.text();
    expect(text).toContain('__TT_APP_STATE__'); // the page body as received, as text
    expect(text).toContain('kind: no_data');
    const dl = await fetch(`${base}/api/ops/raw/${newest}?download=1`);
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="${newest}.json"`);
    expect(((await dl.json()) as { id: string }).id).toBe(newest);
    // The id is validated: no traversal, no other files.
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', 'x%2E%2E%2Fy', 'tiktok--no_data--x', encodeURIComponent(`${newest}/../../x`)]) {
      const r = await fetch(`${base}/api/ops/raw/${bad}`);
      expect([400, 404], bad).toContain(r.status);
    }
    expect((await fetch(`${base}/api/ops/raw/tiktok--no_data--20000101T000000000Z--00000000`)).status).toBe(404);
    // Read-only.
    expect((await fetch(`${base}/api/ops/raw/${newest}`, { method: 'DELETE' })).status).not.toBe(200);
    expect(existsSync(evidencePath(rawDirOf(dir.dir), newest)!)).toBe(true);

    // The platform recovers: the banner goes away.
    tiktok.setFormat('rehydration');
    await sample(WINDOW);
    const after = (await (await fetch(`${base}/api/alerts/drift`)).json()) as { banners: unknown[] };
    expect(after.banners).toEqual([]);
  }, 240_000);
});
