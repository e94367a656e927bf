/**
 * Issue 13, finding 5 (unit level): failing responses are kept as evidence, bounded per platform/kind and in bytes,
 * without cookies; ids are the only thing that becomes a path; `tagpulse parse` reads saved files as they were parsed
 * live (status, content type). Finding 6 (unit level): the drift decision.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  evidencePath,
  listEvidence,
  parseEvidenceId,
  parseRawRecord,
  pruneEvidence,
  rawDirOf,
  readEvidence,
  reparseCommand,
  saveEvidence,
  saveRawTo,
  type EvidenceInput,
} from '../../../src/services/raw-evidence.ts';
import { detectDrift, type Sample } from '../../../src/services/format-drift.ts';
import { runParse } from '../../../src/cli/commands/parse.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { captureIo, fixture } from './helpers.ts';

const input = (kind: string, body = '<html>no data</html>', extra: Partial<EvidenceInput> = {}): EvidenceInput => ({
  platform: 'tiktok',
  tag: 'mentalhealth',
  kind,
  message: `${kind} message`,
  collectorVersion: 'tiktok-http/1.0.0',
  method: 'http',
  raw: {
    url: 'https://www.tiktok.com/api/challenge/detail/?challengeName=mentalhealth&msToken=SECRET1&X-Bogus=SECRET2',
    status: 200,
    headers: { 'content-type': 'text/html', 'set-cookie': 'sessionid=SECRET3', cookie: 'a=SECRET4', authorization: 'Bearer SECRET5', 'x-tt-logid': '2026' },
    body,
    receivedAt: '2026-12-05T08:00:00.000Z',
  },
  ...extra,
});
const limits = { keepPerKind: 3, maxBytes: 10 * 1024 * 1024 };

describe('raw evidence', () => {
  it('keeps a failing response with status, headers without cookies, URL, time and collector version', async () => {
    const t = tempDir();
    try {
      const id = await saveEvidence(t.dir, limits, input('no_data'));
      expect(parseEvidenceId(id)).toMatchObject({ platform: 'tiktok', kind: 'no_data' });
      const text = readFileSync(evidencePath(rawDirOf(t.dir), id)!, 'utf8');
      for (const secret of ['SECRET1', 'SECRET2', 'SECRET3', 'SECRET4', 'SECRET5']) expect(text).not.toContain(secret);
      const rec = await readEvidence(t.dir, id);
      expect(rec).toMatchObject({ id, platform: 'tiktok', tag: 'mentalhealth', kind: 'no_data', status: 200, collectorVersion: 'tiktok-http/1.0.0', receivedAt: '2026-12-05T08:00:00.000Z', body: '<html>no data</html>' });
      expect(rec!.headers).toEqual({ 'content-type': 'text/html', 'x-tt-logid': '2026' });
      expect(rec!.url).toContain('challengeName=mentalhealth');
    } finally {
      t.cleanup();
    }
  });

  it.each(['malformed', 'no_data', 'hollow', 'empty', 'captcha'])('keeps %s', async (kind) => {
    const t = tempDir();
    try {
      expect(await saveEvidence(t.dir, limits, input(kind))).not.toBe('');
    } finally {
      t.cleanup();
    }
  });

  it.each(['throttled', 'network', 'not_found', 'blocked'])('does not keep %s (not a parse failure)', async (kind) => {
    const t = tempDir();
    try {
      expect(await saveEvidence(t.dir, limits, input(kind))).toBe('');
      expect(existsSync(rawDirOf(t.dir))).toBe(false);
    } finally {
      t.cleanup();
    }
  });

  it('keeps the last N per platform and kind, newest kept', async () => {
    const t = tempDir();
    try {
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) ids.push(await saveEvidence(t.dir, limits, input('no_data', `<html>${i}</html>`), new Date(Date.UTC(2026, 11, 5, 8, 0, i))));
      const other = await saveEvidence(t.dir, limits, input('captcha'), new Date(Date.UTC(2026, 11, 5, 8, 1, 0)));
      const kept = readdirSync(join(rawDirOf(t.dir), 'tiktok', 'no_data')).map((f) => f.replace(/\.json$/, '')).sort();
      expect(kept).toEqual(ids.slice(3).sort());
      expect(await readEvidence(t.dir, other)).not.toBeNull();
    } finally {
      t.cleanup();
    }
  });

  it('keeps at most M bytes in all, removing the oldest first', async () => {
    const t = tempDir();
    try {
      const big = 'x'.repeat(40_000);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await saveEvidence(t.dir, { keepPerKind: 100, maxBytes: 100_000 }, input(i % 2 ? 'hollow' : 'no_data', big), new Date(Date.UTC(2026, 11, 5, 8, 0, i))));
      const left = (await listEvidence(t.dir)).map((e) => e.id);
      expect(left).toEqual([ids[4], ids[3]]); // 2 × ~40 kB fit in 100 kB, 3 do not
      expect((await pruneEvidence(rawDirOf(t.dir), { keepPerKind: 100, maxBytes: 100_000 })).removed).toBe(0);
    } finally {
      t.cleanup();
    }
  });

  it('an id is validated before it becomes a path: traversal and odd names are refused', async () => {
    const t = tempDir();
    try {
      for (const bad of ['../../etc/passwd', 'tiktok--no_data--20261205T080000000Z--0a1b2c3d/../../x', 'tiktok/../x', '..', '', 'TikTok--no_data--20261205T080000000Z--0a1b2c3d', 'tiktok--no_data--20261205T080000000Z--0a1b2c3d.json']) {
        expect(parseEvidenceId(bad), bad).toBeNull();
        expect(evidencePath(rawDirOf(t.dir), bad)).toBeNull();
        expect(await readEvidence(t.dir, bad)).toBeNull();
      }
    } finally {
      t.cleanup();
    }
  });

  it('tagpulse parse reads a saved response directly, with its status and content type', async () => {
    const t = tempDir();
    try {
      const id = await saveEvidence(t.dir, limits, { ...input('hollow', fixture('tiktok', 'api-detail.json')), raw: { ...input('hollow').raw, body: fixture('tiktok', 'api-detail.json'), headers: { 'content-type': 'application/json' } } });
      const file = evidencePath(rawDirOf(t.dir), id)!;
      const io = captureIo();
      expect(await runParse({ files: [file], json: true }, io)).toBe(0);
      expect(io.lines.map((l) => JSON.parse(l) as { metric: string; value: string })).toMatchObject([{ metric: 'views', value: '124512345678' }, { metric: 'posts', value: '3456789' }]);
      // The status recorded with the response counts, as it did live: a saved 429 is throttled whatever the body.
      const throttled = await saveRawTo(t.dir, { ...input('ok'), raw: { ...input('ok').raw, status: 429, body: fixture('tiktok', 'api-detail.json') } });
      const io2 = captureIo();
      expect(await runParse({ files: [throttled], json: true }, io2)).toBe(1);
      expect(JSON.parse(io2.lines[0]!)).toMatchObject({ platform: 'tiktok', error: { kind: 'throttled' } });
      expect(parseRawRecord(readFileSync(throttled, 'utf8'))?.kind).toBe('ok');
      expect(reparseCommand(t.dir, [id])).toBe(`tagpulse parse ${file}`);
    } finally {
      t.cleanup();
    }
  });
});

describe('format drift decision', () => {
  const o = { window: 20, recentShare: 0.5, baselineShare: 0.05 };
  const samples = (kinds: string[]): Sample[] => kinds.map((kind, i) => ({ at: new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString(), kind, rawRef: kind === 'ok' ? '' : `r${i}` }));
  const rep = (kind: string, n: number) => Array.from({ length: n }, () => kind);

  it('fires when over half of the last 20 failed to parse where fewer than 5 % did before', () => {
    const v = detectDrift(samples([...rep('no_data', 11), ...rep('ok', 9), ...rep('ok', 40)]), o);
    expect(v).toMatchObject({ drift: true, recentShare: 0.55, baselineShare: 0 });
    expect(v.rawRefs).toHaveLength(11);
  });

  it('does not fire on ordinary bad luck (captcha, empty, throttled) or on a noisy baseline', () => {
    expect(detectDrift(samples([...rep('captcha', 20), ...rep('ok', 40)]), o).drift).toBe(false);
    expect(detectDrift(samples([...rep('no_data', 20), ...rep('ok', 36), ...rep('malformed', 4)]), o).drift).toBe(false); // 10 % before
    expect(detectDrift(samples([...rep('no_data', 10), ...rep('ok', 10), ...rep('ok', 40)]), o).drift).toBe(false); // exactly half
  });

  it('needs a baseline: a platform that never worked has no format to drift from', () => {
    expect(detectDrift(samples(rep('no_data', 25)), o)).toMatchObject({ drift: false, baselineShare: null });
  });
});
