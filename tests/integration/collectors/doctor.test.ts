/**
 * Issue 13: `tagpulse doctor` against the local platform servers: every check listed, each failure with what to do,
 * the platform responses classified and saved, --json, and the store's migrations read without migrating.
 */
import { chromiumPath } from '../../helpers/chromium.ts';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctorCommand } from '../../../src/cli/commands/doctor.ts';
import { withStore } from '../../../src/cli/common.ts';
import type { DoctorReport } from '../../../src/services/doctor.ts';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { startFakeInstagram, type FakeInstagram } from '../../../src/demo/fake-instagram.ts';
import { startFakeYouTube, type FakeYouTube } from '../../../src/demo/fake-youtube.ts';
import { captureIo } from '../../unit/collectors/helpers.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';

describe('tagpulse doctor', () => {
  let tiktok: FakeTikTok;
  let instagram: FakeInstagram;
  let youtube: FakeYouTube;
  let dir: { dir: string; cleanup: () => void };
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    tiktok = await startFakeTikTok({ forceFailure: { brokentag: 'went_wrong' } });
    instagram = await startFakeInstagram({ posts: { mentalhealth: 47_386_624n } });
    youtube = await startFakeYouTube({ videos: { mentalhealth: 971_234n } });
    dir = tempDir();
    for (const k of ['TAGPULSE_TIKTOK_BASE_URL', 'TAGPULSE_INSTAGRAM_BASE_URL', 'TAGPULSE_YOUTUBE_BASE_URL', 'TAGPULSE_LOG_LEVEL']) saved[k] = process.env[k];
    Object.assign(process.env, { TAGPULSE_TIKTOK_BASE_URL: tiktok.url, TAGPULSE_INSTAGRAM_BASE_URL: instagram.url, TAGPULSE_YOUTUBE_BASE_URL: youtube.url, TAGPULSE_LOG_LEVEL: 'silent' });
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
    await Promise.all([tiktok?.close(), instagram?.close(), youtube?.close()]);
    dir?.cleanup();
  });

  const byId = (r: DoctorReport) => new Map(r.checks.map((c) => [c.id, c]));

  it('a fresh data dir: everything checked, the missing migrations reported with the command that fixes them (JSON)', async () => {
    const io = captureIo();
    const code = await runDoctorCommand({ dataDir: dir.dir, json: true }, io);
    const report = JSON.parse(io.lines[0]!) as DoctorReport;
    const c = byId(report);
    for (const id of ['node', 'redis', 'chromium', 'chromium-launch', 'datadir', 'datadir-lock', 'disk', 'store', 'tiktok-dns', 'tiktok-request', 'instagram-dns', 'instagram-request', 'youtube-dns', 'youtube-request']) expect(c.has(id), id).toBe(true);
    expect(c.get('node')).toMatchObject({ status: 'ok' });
    expect(c.get('redis')).toMatchObject({ status: 'ok' });
    expect(c.get('chromium')?.detail).toContain(chromiumPath()); // the browser every test uses (issue 14)
    expect(c.get('chromium-launch')).toMatchObject({ status: 'ok' });
    expect(c.get('datadir')).toMatchObject({ status: 'ok' });
    expect(c.get('store')).toMatchObject({ status: 'fail' });
    expect(c.get('store')?.fix).toContain('tagpulse migrate');
    expect(code).toBe(1);
    // One polite request per platform, classified; the response saved and named.
    expect(c.get('tiktok-request')).toMatchObject({ status: 'ok' });
    expect(c.get('tiktok-request')?.detail).toMatch(/read views \d+, posts \d+ from rehydration/);
    expect(c.get('instagram-request')?.detail).toMatch(/read posts \d+ from web_info/);
    expect(c.get('youtube-request')).toMatchObject({ status: 'ok' });
    const file = /Response saved: (\S+) /.exec(c.get('tiktok-request')!.detail)?.[1];
    expect(file && existsSync(file)).toBe(true);
    expect(tiktok.requests).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('after migrating: the store passes; a platform failure says what to do; text checklist', async () => {
    await withStore(testConfig({ dataDir: dir.dir }), 'test', async () => undefined); // migrates
    const io = captureIo();
    const code = await runDoctorCommand({ dataDir: dir.dir, tag: 'brokentag', browser: false, platforms: 'tiktok' }, io);
    expect(code).toBe(1);
    const text = io.lines.join('\n');
    expect(text).toMatch(/\[ok\] {3}Store: embedded chDB in .*: all \d+ migrations applied/);
    expect(text).toContain('[skip] Chromium launch');
    expect(text).toMatch(/\[FAIL\] tiktok request: #brokentag: no_data/);
    expect(text).toMatch(/→ The page had no counts/);
    expect(text).not.toContain('instagram');
    expect(text).toContain('1 check(s) failed');
  }, 120_000);
});
