/**
 * Issue 15, figure 7g: /api/tags/:platform/:tag/series sends the points array as ClickHouse wrote it (series_json,
 * services/series.ts loadSeriesJson) instead of parsing every row into an object, checking it and writing it out
 * again. One answer: on random rows in real chDB (UInt64 up to 2^64 − 1, rounded figures and lower bounds, a collected
 * and an imported reading at one instant, re-fetched slots kept by FINAL, several parts, hostile text: quotes,
 * backslashes, slashes, control characters, line and paragraph separators, emoji, private-use characters), the parsed
 * bytes deep-equal loadSeries — same objects, same key order, same order of rows — for every kind of range, and the
 * HTTP answer is { platform, tag, metric, points: loadSeries(…) } as before.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { startApiServer, type ApiServer } from '../../../src/api/server.ts';
import { mountAll } from '../../../src/api/mount-all.ts';
import { loadSeries, loadSeriesJson } from '../../../src/services/series.ts';
import type { Store } from '../../../src/store/store.ts';
import type { NamedQuery } from '../../../src/store/query.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { testConfig } from '../../helpers/config.ts';
import { rng, randInt } from '../../unit/analytics/helpers.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const AT = Date.parse('2025-06-20T00:00:00.000Z');
const TAGS = Array.from({ length: 6 }, (_, i) => `sj_${i}`);
const TEXTS = ['', 'plain', 'a "quoted" \\ back\\slash', 'https://example.org/a/b?c=d&e=f', 'tab\there\nnew line\r\u0001\u001f', 'sep\u2028\u2029', 'emoji 😀🏳️‍🌈 and 中文', 'private \ue000\uffff\ufffd', '</script><b>x</b>', '\u007f del'];
const MAX_U64 = 18_446_744_073_709_551_615n;

function randomObservations(seed: number): Observation[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Observation[] = [];
  for (const [k, tag] of TAGS.entries()) {
    const huge = k % 3 === 2; // values above 2^53 (the last ones near 2^64 − 1)
    let v = huge ? MAX_U64 - BigInt(randInt(r, 10_000_000, 900_000_000)) * 1000n : BigInt(randInt(r, 1000, 5_000_000_000));
    for (let t = AT - randInt(r, 2, 9) * DAY; t <= AT; t += randInt(r, 5, 240) * 60_000 + randInt(r, 0, 59_999)) {
      v += BigInt(randInt(r, 0, 20_000));
      if (v > MAX_U64) v = MAX_U64;
      const at = new Date(t).toISOString();
      const text = { note: pick(TEXTS), provenance: pick(TEXTS), collectorVersion: pick(TEXTS.filter((x) => x)) };
      const roll = r();
      if (roll < 0.1) out.push(obs({ tag, observedAt: at, value: String(v), precision: 'lower_bound', exact: false, source: pick(TEXTS.filter((x) => x)), method: 'manual', ...text }));
      else if (roll < 0.35) out.push(obs({ tag, observedAt: at, value: String((v / 1000n) * 1000n), precision: 'rounded', exact: false, step: '1000', source: 'tiktok.rehydration.shareMeta', ...text }));
      else out.push(obs({ tag, observedAt: at, value: String(v), ...text }));
      // an import of the same instant (a tie on observed_at), another value
      if (r() < 0.15) out.push(obs({ tag, observedAt: at, value: String(v - BigInt(randInt(r, 0, 500))), method: 'import', source: 'import', provenance: `file-${pick(TEXTS)}.csv`, note: pick(TEXTS), fetchedAt: new Date(t + 1).toISOString() }));
      // the same slot fetched again with another value: FINAL keeps the later write
      if (r() < 0.08) out.push(obs({ tag, observedAt: new Date(t + 45_000).toISOString(), slot: at, value: String(v + 3n), fetchedAt: new Date(t + 45_000).toISOString(), ...text }));
    }
  }
  for (const o of out.slice(0, 200)) out.push({ ...o, metric: 'posts' }, { ...o, platform: 'instagram' });
  return out;
}

describe('series answer written by ClickHouse (series_json) = loadSeries, on random rows (chDB)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let api: ApiServer;

  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const rows = randomObservations(20261205);
    const r = rng(11);
    const shuffled = rows.map((o) => [r(), o] as const).sort((a, b) => a[0] - b[0]).map(([, o]) => o);
    for (let i = 0; i < shuffled.length; i += 700) await store.insertObservations(shuffled.slice(i, i + 700));
    api = await startApiServer({ store, host: '127.0.0.1', port: 0, mount: (router, deps) => mountAll(router, { ...deps, cfg: testConfig({ dataDir: dir.dir }) }) });
  }, 120_000);

  afterAll(async () => {
    await api?.close();
    await store?.close();
    dir?.cleanup();
  });

  const RANGES: { from?: string; to?: string }[] = [
    {},
    { from: new Date(AT - 3 * DAY - 17 * 60_000).toISOString() },
    { to: new Date(AT - 2 * DAY + 1234).toISOString() },
    { from: new Date(AT - 4 * DAY).toISOString(), to: new Date(AT - DAY).toISOString() },
    { from: new Date(AT + DAY).toISOString() },
  ];

  it('JSON.parse(loadSeriesJson) deep-equals loadSeries: same objects, key order, row order, exact UInt64, every kind of range', async () => {
    let rows = 0;
    let huge = 0;
    let ties = 0;
    const kinds = new Set<string>();
    for (const tag of [...TAGS, 'no_such_tag']) {
      for (const metric of ['views', 'posts']) {
        for (const range of RANGES) {
          const key = { platform: 'tiktok', tag, metric };
          const expected = await loadSeries(store, key, range);
          const bytes = await loadSeriesJson(store, key, range);
          const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
          expect(parsed, `${tag} ${metric} ${JSON.stringify(range)}`).toEqual(expected);
          expect(JSON.stringify(parsed)).toBe(JSON.stringify(expected));
          rows += expected.length;
          huge += expected.filter((x) => BigInt(x.value) > 2n ** 53n).length;
          ties += expected.filter((x, i) => i > 0 && expected[i - 1]!.observed_at === x.observed_at).length;
          for (const x of expected) kinds.add(x.precision);
        }
      }
    }
    expect(rows).toBeGreaterThan(1500);
    expect(huge).toBeGreaterThan(100);
    expect(ties).toBeGreaterThan(20);
    expect([...kinds].sort()).toEqual(['exact', 'lower_bound', 'rounded']);
  });

  it('GET /api/tags/:platform/:tag/series answers { platform, tag, metric, points: loadSeries } as JSON, from one series_json read (no row parsed in JS)', async () => {
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
    const watchedApi = await startApiServer({ store: watched, host: '127.0.0.1', port: 0, mount: (router, deps) => mountAll(router, { ...deps, cfg: testConfig({ dataDir: dir.dir }) }) });
    try {
      for (const tag of [TAGS[0]!, TAGS[2]!, 'no_such_tag']) {
        for (const range of RANGES) {
          calls.length = 0;
          const qs = new URLSearchParams({ metric: 'views', ...range });
          const res = await fetch(`${watchedApi.url}/api/tags/tiktok/${tag}/series?${qs}`);
          expect(res.status).toBe(200);
          expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
          expect(res.headers.get('cache-control')).toBe('no-store');
          const body = (await res.json()) as unknown;
          expect(body).toEqual({ platform: 'tiktok', tag, metric: 'views', points: await loadSeries(store, { platform: 'tiktok', tag, metric: 'views' }, range) });
          expect(calls).toEqual([`exportBytes:${range.from ? 'series_range_json' : range.to ? 'series_json' : 'series_all_json'}`]);
        }
      }
    } finally {
      await watchedApi.close();
    }
    // the server of the other tests answers the same (a normalised tag in the path, as before)
    const res = await fetch(`${api.url}/api/tags/tiktok/%23SJ_1/series`);
    expect(((await res.json()) as { tag: string; points: unknown[] })).toEqual({ platform: 'tiktok', tag: 'sj_1', metric: 'views', points: await loadSeries(store, { platform: 'tiktok', tag: 'sj_1', metric: 'views' }) });
  });
});
