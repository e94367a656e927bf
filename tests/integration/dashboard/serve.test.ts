/**
 * `tagpulse serve` as a user runs it: history imported with `tagpulse import`, then serve owns the data dir (other
 * commands go through it), shows the dashboard and the queue health of the configured Redis, refuses a second owner
 * with the URL of the first, and releases the dir on Ctrl-C.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Overview } from '../../../src/dashboard/overview.ts';
import type { OpsData } from '../../../src/dashboard/ops.ts';
import { holderFile } from '../../../src/store/owner.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { runCli, startCli, type LongRunning } from '../../helpers/cli.ts';
import { historyCsv } from '../../browser/seed.ts';

describe('tagpulse serve', () => {
  let redis: TestRedis;
  let dir: { dir: string; cleanup: () => void };
  let serve: LongRunning | undefined;
  let queue: Queue | undefined;

  beforeAll(async () => {
    redis = await startTestRedis();
    dir = tempDir();
  });
  afterAll(async () => {
    await queue?.close();
    await serve?.stop('SIGKILL');
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('serves the dashboard from the store without collecting, as the owner of the data dir', async () => {
    const file = join(dir.dir, 'history.csv');
    writeFileSync(file, historyCsv(Date.now(), 3));
    const imported = await runCli(['import', file, '--data-dir', join(dir.dir, 'data')]);
    expect(imported.code).toBe(0);

    serve = startCli(['serve', '--data-dir', join(dir.dir, 'data'), '--port', '0', '--redis-url', redis.url]);
    const [, url] = await serve.waitFor(/dashboard and API at (http:\/\/127\.0\.0\.1:\d+)\//, 45_000);
    expect(serve.output()).toContain('nothing is sampled here');

    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");

    // Another command reaches the store through serve (it owns the embedded dir).
    const track = await runCli(['track', 'add', 'mentalhealth', 'tiktoktherapy', '--every', '1h', '--data-dir', join(dir.dir, 'data')]);
    expect(track.code).toBe(0);
    const overview = (await (await fetch(`${url}/api/overview`)).json()) as Overview;
    // Every imported tag is listed (issue 14: it showed only tracked ones); the two tracked ones say so.
    expect(overview.tags.map((t) => t.tag)).toEqual(['mentalhealth', 'mentalhealthmatters', 'suicidepreventionmonth', 'tiktoktherapy']);
    const row = (tag: string) => overview.tags.find((t) => t.tag === tag)!;
    expect(overview.tags.filter((t) => t.sampled).map((t) => t.tag)).toEqual(['mentalhealth', 'tiktoktherapy']);
    expect(row('mentalhealthmatters').originText).toBe('imported; not sampled');
    expect(row('mentalhealth').views?.precision).toBe('exact');
    expect(row('tiktoktherapy').views?.precision).toBe('rounded');
    expect(row('mentalhealth').velocity24h).toBeGreaterThan(0);

    // Queue health comes from the configured Redis; this process runs no workers.
    queue = new Queue('collect-tiktok', { connection: { path: redis.socket }, prefix: 'tagpulse' });
    await queue.add('collect', { platform: 'tiktok', tag: 'mentalhealth', slot: new Date().toISOString(), reason: 'manual' });
    const ops = (await (await fetch(`${url}/api/ops`)).json()) as OpsData;
    expect(ops.process).toMatchObject({ command: 'tagpulse serve', roles: { api: true, collect: false, load: false, scheduler: false }, workers: [] });
    expect(ops.queues.available).toBe(true);
    expect(ops.queues.items.find((q) => q.queue === 'collect-tiktok')).toMatchObject({ waiting: 1, active: 0 });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('tagpulse_queue_jobs{queue="collect-tiktok",state="waiting"} 1');

    // A second owner is refused with the address of the first.
    const second = await runCli(['serve', '--data-dir', join(dir.dir, 'data'), '--port', '0']);
    expect(second.code).toBe(4); // EXIT.STORE_LOCKED (was 2, shared with usage errors: issue 14)
    expect(second.stderr).toContain(`Its dashboard is at ${url}/`);
    expect(second.stderr).not.toMatch(/\n\s+at /); // no stack trace

    expect(existsSync(holderFile(join(dir.dir, 'data')))).toBe(true);
    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(existsSync(holderFile(join(dir.dir, 'data')))).toBe(false);
  }, 120_000);
});
