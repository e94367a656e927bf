/**
 * Issue 15, figure 7h: the single-tag report reads its input in one query (`report_input`, services/series.ts
 * `loadReportInput`): the tag's rows as one row of columns, no per-row checks, and the tag's tracked cadence in the same
 * round trip. One definition: on random rows in real chDB (UInt64 up to 2^64 − 1, rounded figures and lower bounds,
 * collected, imported and manual readings at one instant, readings that tie on source rank, value and origin and differ
 * only in step or provenance, slots re-fetched and kept by FINAL, hostile text) the read gives exactly the rows of
 * `loadSeries` — the same multiset at every instant, in time order, rows at one instant in the order of their whole
 * tuple — hence the same `toPoints` and the same `findConflicts`, for every as-of time; the cadence is
 * `trackedCadenceMs`'s (tracked, no longer active, never tracked); and `buildReport` is the report the old two reads give.
 * The last test fails on the old code: the report made two queries (`series`, then `tracked_tag` for a report with gaps).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { loadReportInput, loadSeries, toPoints, type ReportReading } from '../../../src/services/series.ts';
import { compareReadings, findConflicts } from '../../../src/services/readings.ts';
import { trackedCadenceMs } from '../../../src/services/tracking.ts';
import { buildReport, reportFitMemo } from '../../../src/services/report.ts';
import { cadenceCanChange, computeReport } from '../../../src/analytics/report.ts';
import type { Store } from '../../../src/store/store.ts';
import type { NamedQuery } from '../../../src/store/query.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { reportInputQuery, type ObservationRow } from '../../../src/store/queries.ts';
import { fromChTime } from '../../../src/store/time.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { rng, randInt } from '../../unit/analytics/helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AT = Date.parse('2025-06-20T00:00:00.000Z');
const TAGS = Array.from({ length: 8 }, (_, i) => `ri_${i}`);
const TEXTS = ['', 'plain', 'a "quoted" \\ back\\slash', 'https://example.org/a/b?c=d&e=f', 'tab\there\nnew line\r\u0001\u001f', 'sep\u2028\u2029', 'emoji 😀🏳️‍🌈 and 中文', 'private \ue000\uffff\ufffd', '</script><b>x</b>', '\u007f del'];
const MAX_U64 = 18_446_744_073_709_551_615n;

function randomObservations(seed: number): Observation[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Observation[] = [];
  for (const [k, tag] of TAGS.entries()) {
    const huge = k % 3 === 2; // values above 2^53 (some near 2^64 − 1)
    let v = huge ? MAX_U64 - BigInt(randInt(r, 10_000_000, 900_000_000)) * 1000n : BigInt(randInt(r, 1000, 5_000_000_000));
    // hourly with holes (gaps), a few minutes late at times
    for (let t = AT - randInt(r, 3, 9) * DAY; t <= AT; t += (r() < 0.05 ? randInt(r, 3, 30) : 1) * HOUR + randInt(r, 0, 9) * 60_000 + randInt(r, 0, 59_999)) {
      v += BigInt(randInt(r, 0, 20_000));
      if (v > MAX_U64) v = MAX_U64;
      const at = new Date(t).toISOString();
      const text = { note: pick(TEXTS), provenance: pick(TEXTS), collectorVersion: pick(TEXTS.filter((x) => x)) };
      const roll = r();
      if (roll < 0.08) out.push(obs({ tag, observedAt: at, value: String(v), precision: 'lower_bound', exact: false, source: pick(TEXTS.filter((x) => x)), method: 'manual', ...text }));
      else if (roll < 0.3) out.push(obs({ tag, observedAt: at, value: String((v / 1000n) * 1000n), precision: 'rounded', exact: false, step: '1000', source: 'tiktok.rehydration.shareMeta', ...text }));
      else out.push(obs({ tag, observedAt: at, value: String(v), ...text }));
      // an import of the same instant: another value, sometimes one that contradicts the collected reading
      if (r() < 0.12) out.push(obs({ tag, observedAt: at, value: String(v - BigInt(randInt(r, 0, 500)) + (r() < 0.5 ? 0n : 100_000n)), method: 'import', source: 'import', provenance: `file-${pick(TEXTS)}.csv`, note: pick(TEXTS), fetchedAt: new Date(t + 1).toISOString() }));
      // a manual lower bound at the same instant above every other reading: a conflict
      if (r() < 0.04) out.push(obs({ tag, observedAt: at, value: String(v + 50_000_000n > MAX_U64 ? MAX_U64 : v + 50_000_000n), precision: 'lower_bound', exact: false, method: 'manual', source: 'manual', provenance: pick(TEXTS) }));
      // the same slot fetched again with another value: FINAL keeps the later write
      if (r() < 0.06) out.push(obs({ tag, observedAt: new Date(t + 45_000).toISOString(), slot: at, value: String(v + 3n), fetchedAt: new Date(t + 45_000).toISOString(), ...text }));
      // readings that tie on source rank, value and origin key at one instant (two slots of one collector read at the
      // same instant), differing only in the rounding step or the provenance: a tie the choice leaves to row order
      if (r() < 0.05) {
        const tieAt = new Date(t + 30 * 60_000).toISOString();
        const value = String((v / 1000n) * 1000n);
        out.push(obs({ tag, observedAt: tieAt, slot: new Date(t + 60_000).toISOString(), value, precision: 'rounded', exact: false, step: '1000', source: 'tiktok.rehydration.shareMeta', provenance: pick(TEXTS) }));
        out.push(obs({ tag, observedAt: tieAt, slot: new Date(t + 120_000).toISOString(), value, precision: 'rounded', exact: false, step: r() < 0.5 ? '1000' : '100', source: 'tiktok.rehydration.shareMeta', provenance: pick(TEXTS) }));
      }
    }
  }
  for (const o of out.slice(0, 200)) out.push({ ...o, metric: 'posts' }, { ...o, platform: 'instagram' });
  return out;
}

// t (read6, issue 15): each row's time as epoch ms from the query, proven here to be Date.parse of its text
const FIELDS = ['observed_at', 'value', 'step', 'precision', 'source', 'method', 'provenance', 't'] as const;
const project = (r: ObservationRow): ReportReading => ({ observed_at: r.observed_at, value: r.value, step: r.step, precision: r.precision, source: r.source, method: r.method, provenance: r.provenance, t: Date.parse(r.observed_at) });
const utf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
/** The documented order of `report_input`: time, then the whole tuple (numbers as numbers, text by its UTF-8 bytes). */
function tupleOrder(a: ReportReading, b: ReportReading): number {
  const ta = Date.parse(a.observed_at);
  const tb = Date.parse(b.observed_at);
  if (ta !== tb) return ta - tb;
  for (const f of ['value', 'step'] as const) {
    const x = BigInt(a[f]);
    const y = BigInt(b[f]);
    if (x !== y) return x < y ? -1 : 1;
  }
  for (const f of ['precision', 'source', 'method', 'provenance'] as const) {
    const c = utf8(a[f], b[f]);
    if (c) return c;
  }
  return 0;
}

describe('the report input in one query (report_input) = loadSeries + trackedCadenceMs, on random rows (chDB)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const rows = randomObservations(20261206);
    const r = rng(12);
    const shuffled = rows.map((o) => [r(), o] as const).sort((a, b) => a[0] - b[0]).map(([, o]) => o);
    for (let i = 0; i < shuffled.length; i += 700) await store.insertObservations(shuffled.slice(i, i + 700));
    // cadences: two tracked tags (8 h: longer than an hour, so it moves gaps; 30 min), one tracked and then stopped,
    // one tracked twice (the later write is the one), the rest never tracked
    const added = '2025-06-01T00:00:00.000Z';
    await store.upsertTracked([
      { platform: 'tiktok', tag: TAGS[0]!, everyMs: 8 * HOUR, addedAt: added, active: true },
      { platform: 'tiktok', tag: TAGS[1]!, everyMs: 30 * 60_000, addedAt: added, active: true },
      { platform: 'tiktok', tag: TAGS[2]!, everyMs: 6 * HOUR, addedAt: added, active: true },
      { platform: 'tiktok', tag: TAGS[3]!, everyMs: 2 * HOUR, addedAt: added, active: true },
      { platform: 'instagram', tag: TAGS[4]!, everyMs: 12 * HOUR, addedAt: added, active: true },
    ]);
    await store.upsertTracked([
      { platform: 'tiktok', tag: TAGS[2]!, everyMs: 6 * HOUR, addedAt: added, active: false },
      { platform: 'tiktok', tag: TAGS[3]!, everyMs: 4 * HOUR, addedAt: added, active: true },
    ]);
  }, 120_000);

  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  const ATS: (string | undefined)[] = [undefined, new Date(AT - 2 * DAY + 1234).toISOString(), new Date(AT - 20 * DAY).toISOString(), new Date(AT + DAY).toISOString()];

  it('gives the rows of loadSeries (same multiset per instant, the tuple order), hence the same points and conflicts, and the cadence of trackedCadenceMs', async () => {
    let rows = 0;
    let huge = 0;
    let ties = 0;
    let fullTies = 0;
    let conflicts = 0;
    let cadences = 0;
    const kinds = new Set<string>();
    for (const platform of ['tiktok', 'instagram']) {
      for (const tag of [...TAGS, 'no_such_tag']) {
        for (const metric of ['views', 'posts']) {
          for (const at of ATS) {
            const key = { platform, tag, metric };
            const range = at ? { to: at } : {};
            const what = `${platform} ${tag} ${metric} ${at ?? 'now'}`;
            const series = await loadSeries(store, key, range);
            const input = await loadReportInput(store, key, range);
            // the rows: loadSeries's, with only the fields the report reads, at one instant in the tuple order
            expect(input.rows, what).toEqual(series.map(project).sort(tupleOrder));
            for (const r of input.rows) expect(Object.keys(r), what).toEqual([...FIELDS]);
            // hence the same points and conflicts as from loadSeries's rows in that order
            const ordered = [...series].sort((a, b) => tupleOrder(project(a), project(b)));
            expect(toPoints(input.rows), what).toEqual(toPoints(ordered));
            expect(findConflicts(input.rows, metric), what).toEqual(findConflicts(ordered, metric));
            // and, except where readings tie on the whole choice order (rank, value, origin key: loadSeries leaves them
            // in no defined order), the very points loadSeries gives in its own order
            const tied = new Set<number>();
            for (let i = 1; i < ordered.length; i++) {
              if (ordered[i]!.observed_at === ordered[i - 1]!.observed_at && compareReadings(ordered[i]!, ordered[i - 1]!) === 0) tied.add(Date.parse(ordered[i]!.observed_at));
            }
            fullTies += tied.size;
            expect(toPoints(input.rows).filter((p) => !tied.has(p.t)), what).toEqual(toPoints(series).filter((p) => !tied.has(p.t)));
            expect(input.cadenceMs, what).toBe(await trackedCadenceMs(store, platform, tag));
            rows += series.length;
            huge += series.filter((x) => BigInt(x.value) > 2n ** 53n).length;
            ties += ordered.filter((x, i) => i > 0 && ordered[i - 1]!.observed_at === x.observed_at).length;
            conflicts += findConflicts(input.rows, metric).length;
            if (input.cadenceMs !== undefined) cadences++;
            for (const x of series) kinds.add(x.precision);
          }
        }
      }
    }
    expect(rows).toBeGreaterThan(3000);
    expect(huge).toBeGreaterThan(300);
    expect(ties).toBeGreaterThan(100);
    expect(fullTies).toBeGreaterThan(5);
    expect(conflicts).toBeGreaterThan(10);
    expect(cadences).toBeGreaterThan(10);
    expect([...kinds].sort()).toEqual(['exact', 'lower_bound', 'rounded']);
    expect(await trackedCadenceMs(store, 'tiktok', TAGS[2]!), 'a tag no longer tracked keeps its last cadence').toBe(6 * HOUR);
    expect(await trackedCadenceMs(store, 'tiktok', TAGS[3]!), 'the later write').toBe(4 * HOUR);
  });

  it("report_input's epoch ms (ts) is Date.parse of its time text (fromChTime) over DateTime64(3)'s whole range", async () => {
    // the expression of report_input's ts next to the text report_input's times give, for 5,000 random instants
    // 1900–2299 and the edges (before 1970: negative; leap days; the last millisecond of a year)
    const rs = await store.client.query({
      query: `SELECT toString(d) AS s, toFloat64(toUnixTimestamp64Milli(d)) AS ms FROM (
  SELECT fromUnixTimestamp64Milli(toInt64(-2208988800000 + (rand64(1) % 12832000000000)), 'UTC') AS d FROM numbers(5000)
  UNION ALL SELECT arrayJoin([toDateTime64('1900-01-01 00:00:00.000', 3, 'UTC'), toDateTime64('1969-12-31 23:59:59.999', 3, 'UTC'), toDateTime64('1970-01-01 00:00:00.000', 3, 'UTC'), toDateTime64('2024-02-29 12:00:00.001', 3, 'UTC'), toDateTime64('2299-12-31 23:59:59.999', 3, 'UTC')]) AS d)`,
      format: 'JSONEachRow',
    });
    const rows = (await rs.json()) as { s: string; ms: number }[];
    expect(rows).toHaveLength(5005);
    expect(rows.filter((r) => r.ms < 0).length).toBeGreaterThan(500);
    for (const r of rows) expect(r.ms, r.s).toBe(Date.parse(fromChTime(r.s)));
    expect(reportInputQuery.sql).toContain('SELECT observed_at, toFloat64(toUnixTimestamp64Milli(observed_at)) AS t,');
    expect(reportInputQuery.embeddedSql).toContain('SELECT observed_at, toFloat64(toUnixTimestamp64Milli(observed_at)) AS t,');
  });

  /** The report as the old code built it: loadSeries, then the cadence for a report with gaps (and a recomputation). */
  const oldReport = async (platform: string, tag: string, at: string) => {
    const rows = await loadSeries(store, { platform, tag, metric: 'views' }, { to: at });
    const ordered = [...rows].sort((a, b) => tupleOrder(project(a), project(b)));
    const opts = { platform, tag, metric: 'views', at: Date.parse(at), now: Date.parse(at) };
    let report = computeReport(toPoints(ordered), opts);
    if (cadenceCanChange(report)) {
      const cadenceMs = await trackedCadenceMs(store, platform, tag);
      if (cadenceMs !== undefined && cadenceCanChange(report, cadenceMs)) report = computeReport(toPoints(ordered), { ...opts, cadenceMs });
    }
    return { ...report, observations: rows.length, conflicts: findConflicts(ordered, 'views') };
  };

  it('buildReport is the report of the old two reads, field for field (gaps and cadences that move them included)', async () => {
    let withGaps = 0;
    let cadenceMoved = 0;
    for (const platform of ['tiktok', 'instagram']) {
      for (const tag of TAGS) {
        for (const at of ATS.filter((x): x is string => x !== undefined)) {
          reportFitMemo.clear();
          const got = await buildReport(store, { platform, tag, metric: 'views', at });
          const want = await oldReport(platform, tag, at);
          expect({ ...got, at: null }, `${platform} ${tag} ${at}`).toEqual({ ...want, at: null });
          if (want.gaps.length) withGaps++;
          const cadenceMs = await trackedCadenceMs(store, platform, tag);
          if (cadenceMs !== undefined && want.points > 0) {
            const without = computeReport(toPoints(await loadSeries(store, { platform, tag, metric: 'views' }, { to: at })), { platform, tag, metric: 'views', at: Date.parse(at), now: Date.parse(at) });
            if (JSON.stringify(without.gaps) !== JSON.stringify(want.gaps)) cadenceMoved++;
          }
        }
      }
    }
    expect(withGaps).toBeGreaterThan(10);
    expect(cadenceMoved, 'some cadences change the report, so the cadence read is not vacuous').toBeGreaterThan(2);
  });

  it('a report makes exactly one query, report_input or report_input_to (the old code read series, then tracked_tag for a report with gaps)', async () => {
    const calls: string[] = [];
    const watched: Store = new Proxy(store, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target) as unknown;
        if (prop === 'run' || prop === 'runWithStats' || prop === 'exportBytes') {
          return (q: NamedQuery, ...rest: unknown[]) => {
            calls.push(`${String(prop)}:${q.name}`);
            return (v as (...a: unknown[]) => unknown).call(target, q, ...rest);
          };
        }
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    let gapped = 0;
    for (const tag of [TAGS[0]!, TAGS[1]!, TAGS[5]!, 'no_such_tag']) {
      for (const at of [undefined, new Date(AT - DAY).toISOString()]) {
        calls.length = 0;
        const report = await buildReport(watched, { platform: 'tiktok', tag, metric: 'views', ...(at ? { at } : {}) });
        if (report.gaps.length) gapped++;
        // report_input_to as of a time (its rows in [MIN_TIME, at])
        expect(calls, `${tag} ${at ?? 'now'}`).toEqual([at ? 'run:report_input_to' : 'run:report_input']);
      }
    }
    expect(gapped).toBeGreaterThan(2);
  });
});

/**
 * Issue 15 (read6), figure 7h: on the embedded store report_input reads the cadence from a dictionary of the tracked
 * table (migration 33, queries.ts `embeddedSql`) instead of a scalar subquery. One definition: after every write of a
 * random sequence (new tags, other platforms, cadence changes, stops, restarts, several writes of one tag in one
 * batch, batches written concurrently with reads) the cadence of loadReportInput is `trackedCadenceMs`'s, and the
 * dictionary is really read (the SQL sent is watched). Fails when upsertTracked does not mark the dictionary behind
 * (it then serves the cadence of its last load).
 */
describe('report_input on the embedded store: the cadence dictionary = the tracked table after every write (chDB)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  const sent: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    // rows for every key read below: an empty answer carries no cadence (loadReportInput reads it by tracked_tag then),
    // so each key has rows and its cadence comes from report_input itself
    const keyed = [...Array.from({ length: 6 }, (_, i) => ({ platform: 'tiktok', tag: `cd_${i}` })), { platform: 'instagram', tag: 'cd_1' }, { platform: 'youtube', tag: 'never' }];
    await store.insertObservations(keyed.flatMap((k) => [obs({ ...k, observedAt: '2025-06-01T00:00:00.000Z', value: '10' }), obs({ ...k, observedAt: '2025-06-01T09:00:00.000Z', value: '20' })]));
    const query = store.client.query.bind(store.client);
    (store.client as { query: typeof query }).query = ((p: Parameters<typeof query>[0]) => {
      sent.push(p.query);
      return query(p);
    }) as typeof query;
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  const viaDictionary = () => sent.filter((q) => q.includes('dictGetOrNull(')).length;

  it('gives the cadence of trackedCadenceMs after each of 60 random writes, through the dictionary', async () => {
    const r = rng(33);
    const tags = Array.from({ length: 6 }, (_, i) => `cd_${i}`);
    const keys = [...tags.map((tag) => ({ platform: 'tiktok', tag })), { platform: 'instagram', tag: 'cd_1' }, { platform: 'youtube', tag: 'never' }];
    const check = async (what: string) => {
      for (const k of keys) {
        const input = await loadReportInput(store, { ...k, metric: 'views' });
        expect(input.cadenceMs, `${what}: ${k.platform} ${k.tag}`).toBe(await trackedCadenceMs(store, k.platform, k.tag));
      }
    };
    await check('before any write');
    let changed = 0;
    for (let w = 0; w < 60; w++) {
      const batch = Array.from({ length: randInt(r, 1, 4) }, () => {
        const k = keys[randInt(r, 0, keys.length - 2)]!;
        return { ...k, everyMs: randInt(r, 1, 48) * 30 * 60_000, addedAt: '2025-06-01T00:00:00.000Z', active: r() < 0.7 };
      });
      const before = await Promise.all(batch.map((b) => trackedCadenceMs(store, b.platform, b.tag)));
      if (r() < 0.3) {
        // a write while reads run: whatever each concurrent read gives, the reads after it give the new cadence
        await Promise.all([store.upsertTracked(batch), loadReportInput(store, { ...batch[0]!, metric: 'views' }), loadReportInput(store, { platform: 'tiktok', tag: 'cd_0', metric: 'views' })]);
      } else {
        await store.upsertTracked(batch);
      }
      const after = await Promise.all(batch.map((b) => trackedCadenceMs(store, b.platform, b.tag)));
      if (after.some((x, i) => x !== before[i])) changed++;
      await check(`after write ${w}`);
    }
    expect(changed, 'the writes changed cadences').toBeGreaterThan(30);
    expect(viaDictionary(), 'the dictionary was read').toBeGreaterThan(400);
  });

  it('a store whose dictionary cannot be loaded reads the cadence by the subquery, the same cadence', async () => {
    await store.client.command({ query: 'DROP DICTIONARY IF EXISTS tracked_cadence_v1' });
    await store.upsertTracked([{ platform: 'tiktok', tag: 'cd_0', everyMs: 7 * HOUR, addedAt: '2025-06-01T00:00:00.000Z', active: true }]);
    const n = viaDictionary();
    for (let i = 0; i < 3; i++) expect((await loadReportInput(store, { platform: 'tiktok', tag: 'cd_0', metric: 'views' })).cadenceMs).toBe(7 * HOUR);
    expect(viaDictionary()).toBe(n);
  });
});
