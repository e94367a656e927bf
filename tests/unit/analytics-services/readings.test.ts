/** Which value an analysis uses when two sources share an instant, and when they contradict (services/readings.ts). */
import { describe, it, expect } from 'vitest';
import { choosePerInstant, contradict, findConflicts, type ReadingRow } from '../../../src/services/readings.ts';
import { toPoints } from '../../../src/services/series.ts';

const at = '2026-03-01T10:00:00.000Z';
const r = (p: Partial<ReadingRow>): ReadingRow => ({ observed_at: at, value: '100', precision: 'exact', step: '0', source: 's', method: 'http', provenance: '', ...p });

describe('one value per instant, chosen deterministically', () => {
  const collectedExact = r({ value: '32699304169470', source: 'tiktok.api.statsV2' });
  const importExact = r({ value: '1', method: 'import', source: 'import', provenance: 'over.csv' });
  const collectedRounded = r({ value: '32700000000000', precision: 'rounded', step: '100000000000', source: 'tiktok.page.text' });
  const importRounded = r({ value: '32600000000000', precision: 'rounded', step: '100000000000', method: 'import', source: 'import' });

  it('prefers exact collected over import over rounded, in any row order', () => {
    const all = [importRounded, collectedRounded, importExact, collectedExact];
    for (let k = 0; k < all.length; k++) {
      const rotated = [...all.slice(k), ...all.slice(0, k)];
      expect(choosePerInstant(rotated)).toEqual([collectedExact]);
      expect(choosePerInstant([...rotated].reverse())).toEqual([collectedExact]);
    }
    expect(choosePerInstant([importRounded, importExact])).toEqual([importExact]);
    expect(choosePerInstant([importRounded, collectedRounded])).toEqual([collectedRounded]);
    // Same rank: the greater value, whatever the order.
    const a = r({ value: '5', method: 'import', provenance: 'a.csv' });
    const b = r({ value: '7', method: 'import', provenance: 'b.csv' });
    expect(choosePerInstant([a, b])).toEqual([b]);
    expect(choosePerInstant([b, a])).toEqual([b]);
  });

  it('analytics points carry one value per instant', () => {
    const rows = [collectedExact, importExact, r({ observed_at: '2026-03-01T11:00:00.000Z', value: '40000000000000' })].map((x) => ({ ...x, exact: true, collector_version: 'v', slot: x.observed_at, fetched_at: x.observed_at, note: '', time_precision: 'instant', precision: 'exact' as const, provenance: x.provenance ?? '' }));
    expect(toPoints(rows).map((p) => [p.t, p.value])).toEqual([
      [Date.parse(at), 32699304169470n],
      [Date.parse('2026-03-01T11:00:00.000Z'), 40000000000000n],
    ]);
  });
});

describe('conflicts: readings no single true count satisfies', () => {
  it('exact values that differ contradict; equal ones, or an exact count inside a rounded interval, agree', () => {
    expect(contradict([r({ value: '100' }), r({ value: '101' })])).toBe(true);
    expect(contradict([r({ value: '100' }), r({ value: '100', method: 'import' })])).toBe(false);
    expect(contradict([r({ value: '16412345678' }), r({ value: '16400000000', precision: 'rounded', step: '100000000' })])).toBe(false);
    expect(contradict([r({ value: '16512345678' }), r({ value: '16400000000', precision: 'rounded', step: '100000000' })])).toBe(true);
    expect(contradict([r({ value: '500' }), r({ value: '400', precision: 'lower_bound' })])).toBe(false);
    expect(contradict([r({ value: '300' }), r({ value: '400', precision: 'lower_bound' })])).toBe(true);
  });

  it('lists each conflict once per metric and instant, the chosen value first', () => {
    const rows = [
      { ...r({ value: '1', method: 'import', source: 'import', provenance: 'over.csv' }), metric: 'views' },
      { ...r({ value: '32699304169470', source: 'tiktok.api.statsV2' }), metric: 'views' },
      { ...r({ value: '7', source: 'x' }), metric: 'posts' },
      { ...r({ value: '7', method: 'import', source: 'import' }), metric: 'posts' },
    ];
    expect(findConflicts(rows)).toEqual([
      {
        at,
        metric: 'views',
        values: [
          { value: '32699304169470', precision: 'exact', step: '0', source: 'tiktok.api.statsV2', method: 'http', provenance: '', chosen: true },
          { value: '1', precision: 'exact', step: '0', source: 'import', method: 'import', provenance: 'over.csv', chosen: false },
        ],
      },
    ]);
  });
});
