import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { buildCitation, describeTags, withShares, type CitationInput } from '../../../src/services/citation.ts';

const bytes = Buffer.from('"platform","tag"\n"tiktok","mentalhealth"\n');
const base: CitationInput = {
  cleaned: false,
  platform: 'tiktok',
  tags: ['mentalhealth'],
  foundTags: ['mentalhealth'],
  metrics: ['views'],
  foundMetrics: ['views'],
  query: { name: 'export_observations', parameters: { tags: ['mentalhealth'] } },
  rows: 8,
  sources: [
    { source: 'tiktok.api.statsV2', method: 'http', ...withShares({ rows: 6, exact: 6, rounded: 0, lowerBound: 0 }), firstAt: '2024-01-01T00:00:00.000Z', lastAt: '2024-09-30T00:00:00.000Z' },
    { source: 'tiktok.page.text', method: 'http', ...withShares({ rows: 2, exact: 0, rounded: 2, lowerBound: 0 }), firstAt: '2023-12-31T00:00:00.000Z', lastAt: '2024-05-01T00:00:00.000Z' },
  ],
  collectorVersions: ['tiktok-http/1.2'],
  analytics: { version: '1.0.0' },
  format: 'CSVWithNames',
  bytes,
  exportedAt: '2026-11-22T10:00:00.000Z',
  instance: 'https://pulse.example.org',
};

describe('buildCitation', () => {
  it('a ready-to-paste citation with the range, count, precision shares, instance and hash', () => {
    const c = buildCitation(base);
    const hash = createHash('sha256').update(bytes).digest('hex');
    expect(c.text).toBe(`tagpulse (2026). #mentalhealth TikTok views, 2023-12-31–2024-09-30, 8 observations (75.0% exact, 25.0% rounded display figures). Exported 2026-11-22 from https://pulse.example.org. sha256:${hash}`);
    expect(c).toMatchObject({ sha256: hash, bytes: bytes.length, rows: 8, timeRange: { from: '2023-12-31T00:00:00.000Z', to: '2024-09-30T00:00:00.000Z' }, precision: { rows: 8, exact: 6, rounded: 2, lowerBound: 0, exactShare: 0.75, lowerBoundShare: 0 } });
    expect(c.tagpulseVersion).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('says when the numbers are a cleaned series, and when there is nothing', () => {
    expect(buildCitation({ ...base, cleaned: true, rows: 7 }).text).toContain('cleaned series (tagpulse analytics 1.0.0) from 8 observations (75.0% exact');
    const empty = buildCitation({ ...base, rows: 0, sources: [], instance: undefined });
    expect(empty.text).toMatch(/^tagpulse \(2026\)\. #mentalhealth TikTok views, no observations in the selected range\. Exported 2026-11-22 from a local tagpulse instance\. sha256:/);
    expect(empty.precision.exactShare).toBeNull();
  });
});

describe('describeTags', () => {
  it('names a few tags and counts the rest', () => {
    expect(describeTags(['a'], [])).toBe('#a');
    expect(describeTags(['a', 'b'], [])).toBe('#a and #b');
    expect(describeTags(['a', 'b', 'c'], [])).toBe('#a, #b and #c');
    expect(describeTags(['a', 'b', 'c', 'd', 'e'], [])).toBe('#a, #b, #c and 2 more');
    expect(describeTags([], ['x', 'y', 'z'])).toBe('all tags (3)');
    expect(describeTags([], ['x'])).toBe('#x');
    expect(describeTags([], [])).toBe('all tags');
  });
});
