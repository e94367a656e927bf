/**
 * Every SQL query of the provisioned Grafana dashboard (the count panels and the template variables), expanded the way
 * Grafana and the ClickHouse plugin expand it, run against a real store (chDB) filled through store.insertObservations
 * so the rollup views fill as in production. Each must return rows, and the numbers must be the ones the data implies.
 * Queries run with readonly = 2 and max_execution_time, as the tagpulse_reader user of the deployment does.
 * The metric panels (overview, counter, velocity) read the tagpulse API instead: api-panels.test.ts.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import type { CollectionFailure } from '../../../src/schema/failure.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { grafanaSql, interpolateVariables, type GrafanaContext } from './grafana-sql.ts';

const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'dashboards', 'grafana', 'dashboards', 'tagpulse.json'), 'utf8')) as {
  panels: { id: number; title: string; targets: { rawSql?: string }[] }[];
  templating: { list: { name: string; query: string }[] };
};
const panel = (id: number) => dashboard.panels.find((p) => p.id === id)!.targets[0]!.rawSql!;

const HOUR = 3_600_000;
const NOW = Date.now();
const H0 = Math.floor(NOW / HOUR) * HOUR;
/** Readings at half past each of the last 72 hours: k = 0 is the latest. */
const at = (k: number, extraMs = 0) => new Date(H0 - k * HOUR - HOUR / 2 + extraMs).toISOString();
const KS = Array.from({ length: 72 }, (_, k) => k);

function seed(): { observations: Observation[]; failures: CollectionFailure[] } {
  const observations: Observation[] = [];
  for (const k of KS) {
    const step = 71 - k;
    observations.push(
      obs({ tag: 'alpha', metric: 'views', observedAt: at(k), value: String(5_000_000_000 + step * 1000) }),
      obs({ tag: 'alpha', metric: 'posts', observedAt: at(k), value: String(200_000 + step * 10) }),
      obs({ tag: 'beta', metric: 'views', observedAt: at(k), value: String(16_400_000_000 + step * 500_000), exact: false, precision: 'rounded', step: '100000000', source: 'tiktok.page.text' }),
      obs({ tag: 'beta', metric: 'posts', observedAt: at(k), value: String(3_000_000 + step * 50) }),
    );
    // gamma stopped being sampled 30 hours ago: no 24 h velocity, and that must show as empty, not 0.
    if (k >= 30) observations.push(obs({ tag: 'gamma', metric: 'views', observedAt: at(k), value: String(900_000 + step * 100) }));
  }
  // A press figure ("more than 1B views"): a lower bound, never a counter reading in the rollups or the counter panel.
  observations.push(obs({ tag: 'gamma', metric: 'views', observedAt: at(40, 600_000), value: '1000000000', exact: false, precision: 'lower_bound', step: '0', source: 'press' }));
  const failure = (tag: string, kind: CollectionFailure['kind'], k: number, attempt: number): CollectionFailure => ({
    platform: 'tiktok',
    tag,
    kind,
    statusCode: kind === 'throttled' ? 429 : 200,
    platformCode: '',
    message: kind,
    method: 'http',
    source: '',
    slot: at(k),
    occurredAt: at(k, 60_000),
    attempt,
    collectorVersion: 'test',
    url: '',
  });
  return { observations, failures: [failure('alpha', 'captcha', 1, 1), failure('alpha', 'captcha', 1, 2), failure('beta', 'throttled', 3, 1)] };
}

describe('Grafana dashboard queries against a filled store', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ClickHouseStore;
  const ctx: GrafanaContext = { fromMs: NOW - 7 * 24 * HOUR, toMs: NOW, intervalMs: HOUR, vars: { platform: 'tiktok', metric: 'views', tag: 'alpha' } };

  async function run(sql: string, vars: Record<string, string> = ctx.vars): Promise<Record<string, unknown>[]> {
    const rs = await store.client.query({
      query: grafanaSql(sql, { ...ctx, vars }),
      format: 'JSONEachRow',
      // As the deployment's read-only user: no writes, settings allowed (the plugin sends max_execution_time).
      clickhouse_settings: { readonly: '2', max_execution_time: 60, output_format_json_quote_64bit_integers: 0 },
    });
    return (await rs.json()) as Record<string, unknown>[];
  }

  beforeAll(async () => {
    dir = tempDir('tagpulse-grafana-');
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const { observations, failures } = seed();
    await store.insertObservations(observations);
    await store.insertFailures(failures);
  });
  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('every variable query returns the values in the store', async () => {
    const values: Record<string, unknown[]> = {};
    for (const v of dashboard.templating.list) values[v.name] = (await run(v.query)).map((r) => Object.values(r)[0]);
    expect(values).toEqual({ platform: ['tiktok'], metric: ['posts', 'views'], tag: ['alpha', 'beta', 'gamma'] });
  });

  it('every SQL panel query returns rows', async () => {
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(5);
    const sqlPanels = dashboard.panels.filter((p) => p.targets.some((t) => t.rawSql !== undefined));
    expect(sqlPanels.map((p) => p.id)).toEqual([4, 5]);
    for (const p of sqlPanels) {
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) expect((await run(t.rawSql!)).length, p.title).toBeGreaterThan(0);
    }
  });

  it('failures by kind count every attempt once', async () => {
    const rows = await run(panel(4));
    const total = (kind: string) => rows.filter((r) => r.kind === kind).reduce((a, r) => a + Number(r.failures), 0);
    expect(total('captcha')).toBe(2);
    expect(total('throttled')).toBe(1);
    expect(new Set(rows.map((r) => r.kind))).toEqual(new Set(['captcha', 'throttled']));
  });

  it('data quality: exact, rounded and lower-bound shares of each interval add up to 1', async () => {
    const rows = await run(panel(5));
    expect(rows).toHaveLength(72);
    for (const r of rows) expect(Number(r.exact) + Number(r.rounded) + Number(r.lower_bound)).toBeCloseTo(1, 9);
    // Per hour: alpha views+posts, beta posts exact; beta views rounded; gamma views exact for its last 42 hours.
    expect(new Set(rows.map((r) => r.rounded))).toEqual(new Set([0.25, 0.2, 1 / 6]));
    expect(rows.filter((r) => Number(r.lower_bound) > 0)).toHaveLength(1);
  });

  it('a variable value cannot break out of its SQL string', async () => {
    const evil = { ...ctx.vars, platform: "tiktok' OR '1'='1" };
    expect(interpolateVariables('platform = ${platform:sqlstring}', evil)).toBe("platform = 'tiktok'' OR ''1''=''1'");
    expect(await run(panel(4), evil)).toEqual([]);
  });
});
