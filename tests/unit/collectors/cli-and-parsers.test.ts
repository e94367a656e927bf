import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { formatProgress, parseDayFlag } from '../../../src/cli/commands/backfill.ts';
import { runParse } from '../../../src/cli/commands/parse.ts';
import { detectParser } from '../../../src/collectors/parsers.ts';
import { UserError } from '../../../src/cli/common.ts';
import { captureIo, fixture } from './helpers.ts';

const path = (dir: string, name: string) => fileURLToPath(new URL(`../../fixtures/${dir}/${name}`, import.meta.url));

describe('backfill CLI helpers', () => {
  it('progress bar with ETA', () => {
    expect(formatProgress({ done: 0, total: 40, stored: 0, failed: 0 }, 0, 10)).toBe('[----------] 0/40 captures · 0 values · 0 failed');
    expect(formatProgress({ done: 10, total: 40, stored: 18, failed: 2 }, 30_000, 10)).toBe('[###-------] 10/40 captures · 18 values · 2 failed · ETA 2m');
    expect(formatProgress({ done: 10, total: 20, stored: 18, failed: 2 }, 30_000, 10)).toBe('[#####-----] 10/20 captures · 18 values · 2 failed · ETA 30s');
    expect(formatProgress({ done: 40, total: 40, stored: 70, failed: 3 }, 120_000, 10)).toBe('[##########] 40/40 captures · 70 values · 3 failed');
    expect(formatProgress({ done: 0, total: 0, stored: 0, failed: 0 }, 0, 4)).toBe('[####] 0/0 captures · 0 values · 0 failed');
  });

  it('dates: YYYY-MM-DD or ISO, anything else says how to write it', () => {
    expect(parseDayFlag('2019-01-01', '--from')?.toISOString()).toBe('2019-01-01T00:00:00.000Z');
    expect(parseDayFlag('2021-06-01T12:00:00Z', '--to')?.toISOString()).toBe('2021-06-01T12:00:00.000Z');
    expect(parseDayFlag(undefined, '--from')).toBeUndefined();
    expect(() => parseDayFlag('01/02/2019', '--from')).toThrow(UserError);
    expect(() => parseDayFlag('2019-13-45', '--from')).toThrow(/use YYYY-MM-DD, e.g. --from 2019-01-01/);
  });
});

describe('parser detection and `tagpulse parse`', () => {
  it.each([
    ['instagram', 'web-info-count.json', 'instagram'],
    ['instagram', 'graphql-legacy-2020.json', 'instagram'],
    ['youtube', 'hashtag-header.html', 'youtube'],
    ['youtube', 'consent.html', 'youtube'],
    ['tiktok', 'rehydration-2024.html', 'tiktok'],
    ['tiktok', 'api-detail.json', 'tiktok'],
  ])('%s/%s → %s', (dir, file, platform) => {
    expect(detectParser(fixture(dir, file))?.platform).toBe(platform);
  });

  it('parses Instagram and YouTube files offline, one JSON line per reading or failure', async () => {
    const io = captureIo();
    const code = await runParse({ files: [path('instagram', 'web-info-count.json'), path('youtube', 'page-header-view-model.html'), path('youtube', 'consent.html')], json: true }, io);
    expect(code).toBe(1); // the consent page is a failure
    const lines = io.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ platform: 'instagram', tag: 'mentalhealth', metric: 'posts', value: '47386624', exact: true });
    expect(lines.slice(1, 3)).toMatchObject([
      { platform: 'youtube', tag: 'selfcare', metric: 'posts', value: '1200000', precision: 'rounded', step: '100000' },
      { platform: 'youtube', metric: 'channels', value: '98800' },
    ]);
    expect(lines[3]).toMatchObject({ platform: 'youtube', error: { kind: 'consent' } });
  });
});
