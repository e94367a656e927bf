/**
 * Issue 15, figure 7d: compare reads its tags' readings as columns in one query (reading_columns; before it, chosen_many
 * made the choice in SQL) and services/series.ts loadChosenMany takes one reading per instant from them in one pass,
 * without an object per row. One definition: on random rows in real chDB it gives, for every tag and every kind of
 * range, exactly what the TypeScript definition gives on readings_many's rows (toPoints → choosePerInstant) — the same
 * points (time, value, precision, step, source) and the same row counts — and compareTags gives the same answer as the
 * earlier code (kept here as the reference).
 *
 * The random rows hold what the choice has to get right: several origins at one instant (collected, archived,
 * imported, manual) with ties on rank and value (decided by the origin key), conflicts between sources, rounded
 * figures with different steps, lower bounds, zeros, gaps of days, re-fetched slots (FINAL keeps the later write),
 * UInt64 values above 2^53 up to 2^64 − 1, and origin keys whose UTF-8 byte order differs from JavaScript's UTF-16
 * order (U+E000–U+FFFF against characters above U+FFFF), where a byte comparison would choose the other reading.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { loadChosenMany, loadReadingsMany, toPoints, type Reading } from '../../../src/services/series.ts';
import { compareReadings, contradict } from '../../../src/services/readings.ts';
import { compareSeries, type CompareScale } from '../../../src/analytics/compare.ts';
import { compareTags, MAX_COMPARE_ROWS, type CompareSeriesInfo } from '../../../src/services/compare.ts';
import type { Store } from '../../../src/store/store.ts';
import type { NamedQuery } from '../../../src/store/query.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { rng, randInt } from '../../unit/analytics/helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AT = Date.parse('2025-09-01T00:00:00.000Z');
const TAGS = Array.from({ length: 10 }, (_, i) => `cc_${i}`);
const MAX_U64 = 18_446_744_073_709_551_615n;
/** Sources whose UTF-8 byte order is the reverse of their UTF-16 order: U+E000 (EE 80 80) vs U+1F600 (F0 9F 98 80, surrogates D83D DE00). */
const TRAP_SOURCES = ['feed.\ue000', 'feed.😀'] as const;

function randomObservations(seed: number): Observation[] {
  const r = rng(seed);
  const out: Observation[] = [];
  const iso = (t: number) => new Date(t).toISOString();
  for (const [k, tag] of TAGS.entries()) {
    const huge = k % 4 === 3;
    let v = huge ? MAX_U64 - BigInt(randInt(r, 1_000_000, 9_000_000)) * 1_000_000n : BigInt(randInt(r, 1000, 3_000_000_000));
    let t = AT - randInt(r, 5, 20) * DAY + randInt(r, 0, 3_599_999);
    while (t <= AT) {
      v += BigInt(randInt(r, 0, 50_000));
      if (v > MAX_U64) v = MAX_U64;
      const at = iso(t);
      const roll = r();
      const step = [1000n, 10_000n, 100_000n][randInt(r, 0, 2)]!;
      const rounded = ((v + step / 2n) / step) * step;
      // the collected reading (sometimes rounded, a lower bound or a zero)
      if (roll < 0.05) out.push(obs({ tag, observedAt: at, value: '0' }));
      else if (roll < 0.12) out.push(obs({ tag, observedAt: at, value: String(v / 2n), precision: 'lower_bound', exact: false, source: 'page.text' }));
      else if (roll < 0.35) out.push(obs({ tag, observedAt: at, value: String(rounded), precision: 'rounded', exact: false, step: String(step), source: 'tiktok.rehydration.shareMeta' }));
      else out.push(obs({ tag, observedAt: at, value: String(v) }));
      // other origins at the same instant: equal values (ties on rank and value), other values (conflicts)
      const same = r() < 0.5;
      if (r() < 0.12) out.push(obs({ tag, observedAt: at, value: same ? String(v) : String(v + BigInt(randInt(r, -90_000, 90_000)) > 0n ? v + BigInt(randInt(r, -90_000, 90_000)) : v), method: 'wayback', source: 'wayback.capture', timePrecision: 'instant' }));
      if (r() < 0.12) out.push(obs({ tag, observedAt: at, value: same ? String(v) : String(v + BigInt(randInt(r, 1, 70_000))), method: 'import', source: 'import', provenance: `file-${randInt(r, 0, 3)}.csv` }));
      if (r() < 0.08) out.push(obs({ tag, observedAt: at, value: same ? String(rounded) : String(rounded + step), precision: 'rounded', exact: false, step: String(step * 10n), method: 'manual', source: 'press' }));
      if (r() < 0.06) out.push(obs({ tag, observedAt: at, value: String(v), precision: 'lower_bound', exact: false, method: 'manual', source: 'press.more-than' }));
      // two collected readings of one instant from two slots, tied on rank and value, steps differing: the origin key
      // decides, and its UTF-8 order is the reverse of its UTF-16 order
      if (r() < 0.07) {
        const s = [1000n, 100_000n];
        for (const j of [0, 1]) out.push(obs({ tag, observedAt: at, slot: iso(t - (j + 1) * 60_000), value: String(rounded), precision: 'rounded', exact: false, step: String(s[j]!), source: TRAP_SOURCES[j]! }));
      }
      // the same slot fetched again later (FINAL keeps the later write)
      if (r() < 0.05) out.push(obs({ tag, observedAt: iso(t + 20_000), slot: at, value: String(v + 5n), fetchedAt: iso(t + 20_000) }));
      // hourly-ish with jitter, sometimes a gap of days
      t += r() < 0.02 ? randInt(r, 2, 4) * DAY : randInt(r, 20, 150) * 60_000 + randInt(r, 0, 59_999);
    }
  }
  for (const o of out.slice(0, 400)) out.push({ ...o, metric: 'posts' }, { ...o, platform: 'instagram' });
  return out;
}

/** compareTags as it was before chosen_many and reading_columns: readings_many's rows, toPoints (the reference). */
async function compareReference(store: Store, tags: string[], opts: { scale: CompareScale; stepMs: number; from?: string; to?: string; indexAt?: string }) {
  const range = { ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) };
  const byTag = await loadReadingsMany(store, { platform: 'tiktok', metric: 'views', tags }, range);
  const loaded = tags.map((tag) => ({ tag, rows: byTag.get(tag) ?? [] }));
  const series: CompareSeriesInfo[] = loaded.map(({ tag, rows }) => ({
    tag,
    observations: rows.length,
    first: rows[0]?.observed_at ?? null,
    last: rows[rows.length - 1]?.observed_at ?? null,
    exactShare: rows.length ? rows.filter((x) => x.precision === 'exact').length / rows.length : null,
  }));
  const result = compareSeries(loaded.map(({ tag, rows }) => ({ key: tag, points: toPoints(rows) })), {
    scale: opts.scale,
    stepMs: opts.stepMs,
    maxRows: MAX_COMPARE_ROWS + 1,
    ...(opts.indexAt ? { indexAt: Date.parse(opts.indexAt) } : {}),
    ...(opts.from ? { from: Date.parse(opts.from) } : {}),
    ...(opts.to ? { to: Date.parse(opts.to) } : {}),
  });
  return { result, series };
}

const groupByInstant = (rows: Reading[]) => {
  const m = new Map<string, Reading[]>();
  for (const x of rows) m.set(x.observed_at, [...(m.get(x.observed_at) ?? []), x]);
  return [...m.values()];
};
const originKeyText = (x: Reading) => `${x.method === 'import' ? `import:${x.provenance}` : x.method}\u0000${x.source}`;

describe('compare: loadChosenMany (reading_columns, one pass) = the TypeScript definition, on random rows (chDB)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const rows = randomObservations(20261205);
    const r = rng(5);
    const shuffled = rows.map((o) => [r(), o] as const).sort((a, b) => a[0] - b[0]).map(([, o]) => o);
    for (let i = 0; i < shuffled.length; i += 900) await store.insertObservations(shuffled.slice(i, i + 900));
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  const RANGES: { from?: string; to?: string }[] = [
    {},
    { from: new Date(AT - 6 * DAY - 17 * 60_000).toISOString() },
    { to: new Date(AT - 4 * DAY + 1234).toISOString() },
    { from: new Date(AT - 9 * DAY).toISOString(), to: new Date(AT - 2 * DAY - 5 * 60_000).toISOString() },
    { from: new Date(AT + DAY).toISOString() },
  ];

  it('loadChosenMany = toPoints, row count and exact rows of readings_many, for every tag and kind of range', async () => {
    const tags = [...TAGS, 'no_such_tag'];
    const seen = { points: 0, instantsWithSeveral: 0, tiesOnRankAndValue: 0, conflicts: 0, trapsDecided: 0, huge: 0, lowerBounds: 0, rounded: 0 };
    for (const range of RANGES) {
      const rows = await loadReadingsMany(store, { platform: 'tiktok', metric: 'views', tags }, range);
      const chosen = await loadChosenMany(store, { platform: 'tiktok', metric: 'views', tags }, range);
      expect([...chosen.keys()]).toEqual(tags);
      for (const tag of tags) {
        const rs = rows.get(tag)!;
        const c = chosen.get(tag)!;
        const where = `${tag} ${JSON.stringify(range)}`;
        expect(c.observations, where).toBe(rs.length);
        expect(c.exactRows, where).toBe(rs.filter((x) => x.precision === 'exact').length);
        expect(c.points, where).toEqual(toPoints(rs));
        seen.points += c.points.length;
        seen.huge += c.points.filter((p) => p.value > 2n ** 53n).length;
        seen.lowerBounds += c.points.filter((p) => p.precision === 'lower_bound').length;
        seen.rounded += c.points.filter((p) => p.precision === 'rounded').length;
        for (const g of groupByInstant(rs)) {
          if (g.length < 2) continue;
          seen.instantsWithSeveral++;
          if (contradict(g)) seen.conflicts++;
          const sorted = [...g].sort(compareReadings);
          if (compareReadings(sorted[0]!, sorted[1]!) !== 0 && sorted[0]!.value === sorted[1]!.value && sorted[0]!.precision === sorted[1]!.precision && (sorted[0]!.method === 'import' || sorted[0]!.method === 'manual') === (sorted[1]!.method === 'import' || sorted[1]!.method === 'manual')) seen.tiesOnRankAndValue++;
          // a trap instant: the UTF-16 order (JavaScript's, the definition) and the UTF-8 byte order disagree on the winner
          const [a, b] = [sorted[0]!, sorted[1]!];
          if (a.value === b.value && a.step !== b.step && TRAP_SOURCES.includes(a.source as never) && TRAP_SOURCES.includes(b.source as never)) {
            expect(Buffer.compare(Buffer.from(originKeyText(a)), Buffer.from(originKeyText(b)))).toBe(-1); // bytes would pick b
            seen.trapsDecided++;
          }
        }
      }
    }
    // tags in another order, repeated: each tag's answer is its own (reading_columns names a tag by its first position)
    const mixed = [TAGS[3]!, TAGS[0]!, TAGS[3]!, 'no_such_tag', TAGS[0]!, TAGS[7]!];
    const alone = await loadChosenMany(store, { platform: 'tiktok', metric: 'views', tags: TAGS });
    const got = await loadChosenMany(store, { platform: 'tiktok', metric: 'views', tags: mixed });
    expect([...got.keys()]).toEqual([TAGS[3], TAGS[0], 'no_such_tag', TAGS[7]]);
    for (const tag of [TAGS[3]!, TAGS[0]!, TAGS[7]!]) expect(got.get(tag)).toEqual(alone.get(tag));
    expect(got.get('no_such_tag')).toEqual({ observations: 0, exactRows: 0, points: [] });
    expect(seen.points).toBeGreaterThan(2000);
    expect(seen.instantsWithSeveral).toBeGreaterThan(300);
    expect(seen.tiesOnRankAndValue).toBeGreaterThan(50);
    expect(seen.conflicts).toBeGreaterThan(50);
    expect(seen.trapsDecided).toBeGreaterThan(10);
    expect(seen.huge).toBeGreaterThan(300);
    expect(seen.lowerBounds).toBeGreaterThan(20);
    expect(seen.rounded).toBeGreaterThan(200);
  });

  it('compareTags gives the answer of the earlier code (readings_many + toPoints) for every scale and kind of range', async () => {
    const tags = TAGS.slice(0, 6);
    let rows = 0;
    for (const range of RANGES.slice(0, 4)) {
      for (const scale of ['linear', 'log', 'indexed'] as const) {
        for (const step of ['1h', '1d']) {
          const got = await compareTags(store, { tags: tags.join(','), scale, step, ...range });
          const ref = await compareReference(store, tags, { scale, stepMs: step === '1h' ? HOUR : DAY, ...range });
          expect(got.series).toEqual(ref.series);
          expect({ scale: got.scale, stepMs: got.stepMs, indexAt: got.indexAt, keys: got.keys, rows: got.rows }).toEqual(ref.result);
          rows += got.rows.length;
        }
      }
    }
    expect(rows).toBeGreaterThan(2000);
  });

  it('compare runs one query, reading_columns_all (reading_columns_range with a start), for all its tags', async () => {
    const names: string[] = [];
    const watched: Store = new Proxy(store, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (prop === 'run' || prop === 'runWithStats') {
          return (q: NamedQuery, p: unknown) => {
            names.push(q.name);
            return (v as (q: NamedQuery, p: unknown) => unknown).call(target, q, p);
          };
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    await compareTags(watched, { tags: TAGS.slice(0, 5).join(',') });
    await compareTags(watched, { tags: TAGS.slice(0, 5).join(','), from: new Date(AT - 3 * DAY).toISOString() });
    expect(names).toEqual(['reading_columns_all', 'reading_columns_range']);
  });
});
