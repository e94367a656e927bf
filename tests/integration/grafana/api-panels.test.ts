/**
 * Issue 11, Grafana: every number a Grafana panel shows comes from the one definition. The metric panels read the
 * tagpulse API through the Infinity datasource; here each panel's target is run as Grafana and the plugin run it
 * (tests/integration/grafana/infinity.ts) against a real tagpulse server on 127.0.0.1 over a real chDB store, and
 * its rows must be exactly what the tag page shows for the same time: the report (/api/tags/…/report?at=…, what the
 * tag page requests) and the tag page's chart (/api/tags/…/chart).
 *
 * The data has what made the old SQL panels disagree: gaps, a slow-cadence tracked tag, rounded display figures, a
 * tag that stopped being sampled, and two sources at one instant (the old counter panel took the latest write there,
 * the tag page the preferred source).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { startOwnerServer } from '../analytics/server.ts';
import { runInfinity, type InfinityContext, type InfinityTarget } from './infinity.ts';
import { mulberry32 } from '../../../src/analytics/math.ts';

const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'dashboards', 'grafana', 'dashboards', 'tagpulse.json'), 'utf8')) as {
  panels: { id: number; title: string; datasource: { uid: string }; targets: InfinityTarget[] }[];
};
const target = (id: number) => dashboard.panels.find((p) => p.id === id)!.targets[0]!;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MIN = 60_000;
/** End of the Grafana time range (not on an hour boundary, as "now" never is). */
const END = Date.parse('2026-11-20T12:34:00.000Z');
const START = END - 16 * DAY;
const CONFLICT_AT = END - 2 * DAY - 20 * MIN;

/** A seeded PRNG: the analytics' own mulberry32 (one copy). */
const rng = mulberry32;

function seed(): Observation[] {
  const out: Observation[] = [];
  const r = rng(11);
  // alpha: exact, every 10–30 min, ~1,000/h growing 10 %/day, a 9-hour hole 3 days ago, bursts of 15 s samples
  let v = 5_000_000_000;
  for (let t = START; t <= END - 10 * MIN; t += Math.round((10 + r() * 20) * MIN)) {
    v += Math.round(1000 * Math.exp((0.1 * (t - START)) / DAY) * (0.9 + 0.2 * r()) * ((t - START) % HOUR === 0 ? 1 : 0.4));
    if (t > END - 3 * DAY && t < END - 3 * DAY + 9 * HOUR) continue;
    out.push(obs({ tag: 'alpha', observedAt: new Date(t).toISOString(), value: String(v) }));
    if (r() < 0.02) for (let i = 1; i <= 20; i++) out.push(obs({ tag: 'alpha', observedAt: new Date(t + i * 15_000).toISOString(), value: String(v + i) }));
  }
  // the conflict: a live exact reading and an import of the same instant with another value, ingested later
  out.push(obs({ tag: 'alpha', observedAt: new Date(CONFLICT_AT).toISOString(), value: String(v - 1), method: 'http', source: 'tiktok.api.statsV2' }));
  // beta: rounded one-decimal B figures (step 1e8), every 30 min, ~6e7/h
  for (let t = START; t <= END - 5 * MIN; t += 30 * MIN) {
    const x = 16.4e9 + ((t - START) / HOUR) * 6e7;
    out.push(obs({ tag: 'beta', observedAt: new Date(t).toISOString(), value: String(Math.round(x / 1e8) * 1e8), exact: false, precision: 'rounded', step: '100000000', source: 'tiktok.page.text' }));
  }
  // gamma stopped 30 hours before the end: no 24 h velocity (unknown, not 0)
  for (let t = START; t <= END - 30 * HOUR; t += HOUR) out.push(obs({ tag: 'gamma', observedAt: new Date(t).toISOString(), value: String(900_000 + Math.round((t - START) / HOUR) * 100) }));
  // delta: hourly history, then tracked every 6 h (samples up to 3 h late) for the last 4 days
  for (let t = START; t <= END - 10 * MIN; t += HOUR) {
    const late = t >= END - 4 * DAY;
    if (late && Math.round((t - START) / HOUR) % 6 !== 0) continue;
    const at = late ? t + Math.round(r() * 3) * HOUR : t;
    if (at > END) continue;
    out.push(obs({ tag: 'delta', observedAt: new Date(at).toISOString(), value: String(2_000_000 + Math.round((at - START) / 36_000)) }));
  }
  return out;
}

describe('Grafana panels on the tagpulse API show exactly what the tag page shows', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ClickHouseStore;
  let server: Awaited<ReturnType<typeof startOwnerServer>>;
  let ctx: InfinityContext;
  const get = async <T,>(path: string): Promise<T> => {
    const res = await server.get(path);
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  type Window = { window: string; widened: boolean; velocityPerHour: number | null; velocityPerHourLow: number | null; velocityPerHourHigh: number | null; growthPct: number | null; growthPctLow: number | null; growthPctHigh: number | null; coverage: number | null };
  type Report = { asOf: string | null; windows: Window[]; counterDoublingDays: number | null; counterDoublingDaysLow: number | null; counterDoublingDaysHigh: number | null; zScore: number | null; breakout: boolean | null };
  type Chart = { points: { t: string; value: string; precision: string }[]; velocity: { binMs: number; bins: { start: string; end: string; velocityPerHour: number | null; velocityPerHourLow: number | null; velocityPerHourHigh: number | null }[] } | null };
  const report = (tag: string) => get<Report>(`/api/tags/tiktok/${tag}/report?metric=views&at=${new Date(END).toISOString()}`);
  const chart = (tag: string) => get<Chart>(`/api/tags/tiktok/${tag}/chart?metric=views&from=${new Date(END - 7 * DAY).toISOString()}&to=${new Date(END).toISOString()}`);

  beforeAll(async () => {
    dir = tempDir('tagpulse-grafana-api-');
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const rows = seed();
    await store.insertObservations(rows);
    // the import of the conflict instant arrives later (the old panel took the latest write)
    await store.insertObservations([obs({ tag: 'alpha', observedAt: new Date(CONFLICT_AT).toISOString(), value: '4999999999', method: 'import', source: 'import.csv' })]);
    await store.upsertTracked([{ platform: 'tiktok', tag: 'delta', everyMs: 6 * HOUR, addedAt: new Date(END - 4 * DAY).toISOString(), active: true }]);
    server = await startOwnerServer(store, testConfig({ dataDir: dir.dir }));
    ctx = { baseUrl: server.url, fromMs: END - 7 * DAY, toMs: END, vars: { platform: 'tiktok', metric: 'views', tag: 'alpha' } };
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await store?.close();
    dir?.cleanup();
  });

  const same = (a: unknown, b: number | null | undefined, what: string) => {
    if (b === null || b === undefined) return expect(a ?? null, what).toBeNull();
    expect(typeof a, what).toBe('number');
    expect(Math.abs((a as number) - b), `${what}: ${String(a)} vs ${b}`).toBeLessThanOrEqual(1e-9 * Math.max(Math.abs(b), 1e-300));
  };

  it('overview panel: one row per tag with a known 24 h velocity, every number the report’s as of the end of the range', async () => {
    const { rows, url } = await runInfinity(target(1), ctx);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/leaderboard\?/);
    expect(rows.map((r) => r.tag).sort()).toEqual(['alpha', 'beta', 'delta', 'gamma']);
    for (const row of rows) {
      const rep = await report(String(row.tag));
      const w24 = rep.windows.find((w) => w.window === '24h')!;
      const t = String(row.tag);
      expect(row['as of'], t).toBe(Date.parse(rep.asOf!));
      same(row['velocity 24 h (per hour)'], w24.velocityPerHour, `${t} velocity`);
      same(row['velocity low'], w24.velocityPerHourLow, `${t} velocity low`);
      same(row['velocity high'], w24.velocityPerHourHigh, `${t} velocity high`);
      same(row.coverage, w24.coverage, `${t} coverage`);
      same(row['growth 24 h vs previous 24 h (%)'], w24.growthPct, `${t} growth`);
      same(row['growth low (%)'], w24.growthPctLow, `${t} growth low`);
      same(row['growth high (%)'], w24.growthPctHigh, `${t} growth high`);
      same(row['doubling time (7-day fit, days)'], rep.counterDoublingDays, `${t} doubling`);
      same(row['doubling low (days)'], rep.counterDoublingDaysLow, `${t} doubling low`);
      same(row['doubling high (days)'], rep.counterDoublingDaysHigh, `${t} doubling high`);
      same(row['robust z (24 h)'], rep.zScore, `${t} z`);
      expect(row['velocity 24 h (per hour)'], `${t}: the case means something`).not.toBeNull();
    }
    // gamma stopped 30 h before the end: its windows end at its own latest full hour, and the panel says so
    expect(rows.find((r) => r.tag === 'gamma')!['as of']).toBeLessThan(END - 24 * HOUR);
    // delta's 6-hourly samples are late, not gaps, because its cadence is passed (without it: unknown)
    expect(rows.find((r) => r.tag === 'delta')!.coverage).toBe(1);
  });

  it('counter panel: the tag page chart’s points, the preferred source at a shared instant', async () => {
    const { rows } = await runInfinity(target(2), ctx);
    const c = await chart('alpha');
    const expected = c.points.filter((p) => p.precision !== 'lower_bound').map((p) => ({ time: Date.parse(p.t), counter: Number(p.value) }));
    expect(rows.length).toBeGreaterThan(100);
    expect(rows).toEqual(expected);
    // at the conflict, the live reading (what the report uses), not the later import the old SQL panel showed
    const atConflict = rows.find((r) => r.time === CONFLICT_AT)!;
    const live = seed().find((o) => o.tag === 'alpha' && Date.parse(o.observedAt) === CONFLICT_AT)!;
    expect(atConflict.counter).toBe(Number(live.value));
    const [latestWrite] = (await (
      await store.client.query({ query: `SELECT argMax(value, (observed_at, ingested_at)) AS v FROM observations_v2 WHERE tag = 'alpha' AND observed_at = fromUnixTimestamp64Milli(${CONFLICT_AT})`, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } })
    ).json()) as { v: number }[];
    expect(latestWrite!.v, 'the old panel’s rule picks the import').toBe(4_999_999_999);
  });

  it('velocity panel: the tag page chart’s bins; the 1 h bin ending at asOf is the report’s 1 h velocity', async () => {
    const checked = { hour: 0, day: 0 };
    for (const tag of ['alpha', 'beta', 'delta']) {
      const { rows } = await runInfinity(target(3), { ...ctx, vars: { ...ctx.vars, tag } });
      const c = await chart(tag);
      expect(c.velocity, tag).not.toBeNull();
      expect(rows, tag).toEqual(c.velocity!.bins.map((b) => ({ 'bin end': Date.parse(b.end), 'mean velocity per hour over the bin': b.velocityPerHour, low: b.velocityPerHourLow, high: b.velocityPerHourHigh })));
      const rep = await report(tag);
      const bin = c.velocity!.bins.find((b) => b.end === rep.asOf);
      // (the report's window is the fixed one when it was not widened for rounding; the tag page shows it)
      const w1 = rep.windows.find((w) => w.window === '1h')!;
      if (c.velocity!.binMs === HOUR && !w1.widened) {
        expect(bin, tag).toBeDefined();
        same(bin!.velocityPerHour, w1.velocityPerHour, `${tag} 1 h bin`);
        same(bin!.velocityPerHourLow, w1.velocityPerHourLow, `${tag} 1 h bin low`);
        same(bin!.velocityPerHourHigh, w1.velocityPerHourHigh, `${tag} 1 h bin high`);
        checked.hour++;
      }
      // the bins of the 24 h before asOf add up to the report's 24 h window
      const day = c.velocity!.bins.filter((b) => Date.parse(b.start) >= Date.parse(rep.asOf!) - DAY && Date.parse(b.end) <= Date.parse(rep.asOf!));
      const w24 = rep.windows.find((w) => w.window === '24h')!;
      if (day.length * c.velocity!.binMs === DAY && day.every((b) => b.velocityPerHour !== null) && !w24.widened) {
        same(day.reduce((a, b) => a + b.velocityPerHour! * (c.velocity!.binMs / HOUR), 0) / 24, w24.velocityPerHour, `${tag} 24 h of bins`);
        checked.day++;
      }
    }
    expect((await chart('alpha')).velocity!.binMs).toBe(HOUR);
    expect(checked.hour, 'exact tags compared bin by bin').toBeGreaterThanOrEqual(1);
    expect(checked.day, 'tags whose last 24 h of bins were compared').toBeGreaterThanOrEqual(2);
  });
});
