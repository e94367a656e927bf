/** Which value an analysis uses when two sources share an instant, and when they contradict (services/readings.ts). */
import { describe, it, expect } from 'vitest';
import { choosePerInstant, compareReadings, contradict, findConflicts, type ReadingRow } from '../../../src/services/readings.ts';
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

/**
 * Figure 7h (branch report5): rows already in time order are grouped by instant as they come, without a map and a sort.
 * The groups, and so the choice and the conflicts, must be those of the map for rows in time order, in any order, with
 * ties (rows that compare equal, where the earlier row wins), times spelled differently for one instant, and
 * unparsable times. The reference is the map grouping as it was, with the choice and conflict code on top of it.
 */
describe('grouping by instant: rows in time order as they come, any other order by the map', () => {
  const refByInstant = <R extends ReadingRow>(rows: R[]): R[][] => {
    const groups = new Map<number, R[]>();
    for (const x of rows) {
      const t = Date.parse(x.observed_at);
      const g = groups.get(t);
      if (g) g.push(x);
      else groups.set(t, [x]);
    }
    return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
  };
  const refChoose = (rows: ReadingRow[]) => refByInstant(rows).map((g) => (g.length === 1 ? g[0]! : [...g].sort(compareReadings)[0]!));
  const refConflicts = (rows: ReadingRow[], metric: string) =>
    refByInstant(rows)
      .filter((g) => g.length >= 2 && contradict(g))
      .map((g) => {
        const sorted = [...g].sort(compareReadings);
        return { at: new Date(Date.parse(g[0]!.observed_at)).toISOString(), metric, values: sorted.map((x, i) => ({ value: x.value, precision: x.precision, step: x.step, source: x.source, method: x.method, provenance: x.provenance ?? '', chosen: i === 0 })) };
      })
      .sort((a, b) => a.at.localeCompare(b.at));
  it('equals the map grouping on 400 random row sets', () => {
    let seed = 7076;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let sortedCases = 0;
    let tiesChosen = 0;
    for (let c = 0; c < 400; c++) {
      const n = Math.floor(rand() * 60);
      const rows: ReadingRow[] = [];
      let t = Date.UTC(2026, 2, 1);
      for (let i = 0; i < n; i++) {
        if (rand() < 0.6) t += Math.floor(rand() * 3) * 3_600_000;
        const iso = new Date(t).toISOString();
        // one instant spelled two ways now and then; an unparsable time rarely
        const observed_at = c % 13 === 12 && i === 3 ? 'not a time' : rand() < 0.1 ? iso.replace('.000Z', 'Z') : iso;
        const exact = rand() < 0.7;
        rows.push(r({ observed_at, value: String(100 + Math.floor(rand() * 3)), precision: exact ? 'exact' : 'rounded', step: exact ? '0' : '10', method: rand() < 0.3 ? 'import' : 'http', source: rand() < 0.5 ? 'a' : 'b', provenance: rand() < 0.5 ? 'x.csv' : 'y.csv' }));
      }
      const order = c % 3 === 0 ? rows.map((_, i) => i).sort(() => rand() - 0.5) : rows.map((_, i) => i);
      const input = order.map((i) => rows[i]!);
      if (c % 3 !== 0) sortedCases++;
      const got = choosePerInstant(input);
      const want = refChoose(input);
      expect(got, `case ${c}`).toEqual(want);
      // the same object, not only an equal one: among rows that compare equal the earlier wins
      got.forEach((x, i) => expect(x).toBe(want[i]));
      if (refByInstant(input).some((g) => g.length > 1 && g.some((x) => x !== g[0] && compareReadings(x, g[0]!) === 0))) tiesChosen++;
      expect(findConflicts(input, 'views'), `case ${c}`).toEqual(refConflicts(input, 'views'));
    }
    expect(sortedCases).toBeGreaterThan(200);
    expect(tiesChosen, 'cases with readings that compare equal at one instant').toBeGreaterThan(20);
  });
});
