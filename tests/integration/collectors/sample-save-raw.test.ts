/**
 * Issue 13, finding 5 from the CLI: `tagpulse sample --save-raw <dir>` keeps every response, successful or not, and a
 * parse failure is kept as evidence in the data dir with the failure row pointing at it; `tagpulse parse` reads both.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSample } from '../../../src/cli/commands/sample.ts';
import { runParse } from '../../../src/cli/commands/parse.ts';
import { withStore } from '../../../src/cli/common.ts';
import { failuresForTagQuery } from '../../../src/store/queries.ts';
import { startFakeTikTok, type FakeTikTok } from '../../../src/demo/fake-tiktok.ts';
import { evidencePath, rawDirOf } from '../../../src/services/raw-evidence.ts';
import { captureIo } from '../../unit/collectors/helpers.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';

describe('sample --save-raw and evidence from the CLI', () => {
  let tiktok: FakeTikTok;
  let dir: { dir: string; cleanup: () => void };
  let saveDir: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    tiktok = await startFakeTikTok({ forceFailure: { brokentag: 'went_wrong' } });
    dir = tempDir();
    saveDir = tempDir();
    process.env.TAGPULSE_LOG_LEVEL = 'silent';
  });
  afterAll(async () => {
    await tiktok?.close();
    dir?.cleanup();
    saveDir?.cleanup();
  });

  it('keeps every response in <dir>, successful or not, and parse reads them back', async () => {
    const io = captureIo();
    const code = await runSample({ tags: ['mentalhealth', 'brokentag'], platform: 'tiktok', dataDir: dir.dir, tiktokBaseUrl: tiktok.url, saveRaw: saveDir.dir }, io);
    expect(code).toBe(1);
    const files = readdirSync(saveDir.dir).filter((f) => f.endsWith('.json'));
    expect(files.map((f) => f.split('--')[1]).sort()).toEqual(['no_data', 'ok']);
    expect(io.errors.filter((l) => l.startsWith('raw response saved: '))).toHaveLength(2);
    const parsed = captureIo();
    await runParse({ files: files.map((f) => join(saveDir.dir, f)).sort(), json: true }, parsed);
    const lines = parsed.lines.map((l) => JSON.parse(l) as { metric?: string; error?: { kind: string } });
    expect(lines.some((l) => l.error?.kind === 'no_data')).toBe(true);
    expect(lines.some((l) => l.metric === 'views')).toBe(true);

    // The failure is also kept in the data dir as evidence, the row points at it, and the message says how to re-parse.
    const rows = await withStore(testConfig({ dataDir: dir.dir }), 'test', (s) => s.run(failuresForTagQuery, { platform: 'tiktok', tag: 'brokentag' }));
    expect(rows).toHaveLength(1);
    const file = evidencePath(rawDirOf(dir.dir), rows[0]!.raw_ref)!;
    expect(file).not.toBeNull();
    expect(io.errors.join('\n')).toContain(`tagpulse parse ${file}`);
  }, 120_000);
});
