/**
 * The child process of figure 7 (bench/lib/read-path.ts explains the figures): builds or reuses the generated store,
 * serves the API on 127.0.0.1, measures each read against its plain SQL baseline and prints the results as one JSON
 * line on stdout (progress goes to stderr).
 *
 *   node bin/run-ts.js bench/lib/read-path-run.ts '{"tags":10000,"days":[30,60],"repeats":5}'
 *   node bin/run-ts.js bench/lib/read-path-run.ts '{"tags":10000,"days":[30,60],"repeats":3,"storeDir":"/tmp/store10k"}'
 *
 * `storeDir` (or TAGPULSE_BENCH_READ_STORE) uses an existing generated store (its meta.json says what it holds;
 * never rebuilt, and opened read-write: migrations run and the summary is refreshed in it); else the cached store
 * under bench/.data is built or reused.
 */
import { loadConfig } from '../../src/config/config.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { startApiServer } from '../../src/api/server.ts';
import { mountAll } from '../../src/api/mount-all.ts';
import { T } from '../../src/store/migrations.ts';
import { benchDataBase, generateReadStore, GENERATOR_VERSION, readStoreDir, readStoreMeta, type ReadStoreMeta } from './read-store.ts';
import { refreshSummaries } from '../../src/services/tag-summaries.ts';
import { reportFitMemo } from '../../src/services/report.ts';
import { measureOverviewPage, overviewPageBenchResult } from './overview-page.ts';
import { fmt, median } from './context.ts';
import type { BenchResult } from './result.ts';
import type { ReadPathBenchOptions } from './read-path.ts';

const o = JSON.parse(process.argv[2] ?? '{}') as ReadPathBenchOptions;
const log = (s: string) => process.stderr.write(`bench 7: ${s}\n`);
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** How old the cached store's data may be (its end before now): older, it is built again, ending now. */
const LIVE_WITHIN_MS = 6 * HOUR_MS;

const givenDir = o.storeDir ?? process.env.TAGPULSE_BENCH_READ_STORE;
const dir = givenDir ?? readStoreDir(benchDataBase(), { tags: o.tags, days: o.days });
const givenMeta = givenDir ? readStoreMeta(givenDir) : null;
if (givenDir && !givenMeta) throw new Error(`${givenDir} is not a generated read store (no meta.json of generator v${GENERATOR_VERSION}): build one with bench/lib/read-store.ts or omit --read-store-dir`);
// the cached store is a live one: its data ends at most LIVE_WITHIN_MS before this run (read-store.ts liveWithinMs)
const meta: ReadStoreMeta = givenMeta ?? (await generateReadStore(dir, { tags: o.tags, days: o.days, liveWithinMs: LIVE_WITHIN_MS }, { log }));
if (givenMeta && Date.now() - Date.parse(givenMeta.endIso) > LIVE_WITHIN_MS) {
  log(`note: the given store's data ended at ${givenMeta.endIso}; reads as of now find its recent windows empty (omit --read-store-dir for a live store)`);
}
log(`store ${dir}: ${fmt(meta.observations)} observations, ${fmt(meta.hourlyRows)} hourly rollup rows (built in ${meta.buildSeconds} s: ${JSON.stringify(meta.phases)})`);

const store: ClickHouseStore = await openClickHouseStore({ dataDir: dir });
await store.migrate();
const cfg = loadConfig({ env: {}, cwd: dir, flags: { dataDir: dir, logLevel: 'silent' } });
const server = await startApiServer({ store, host: '127.0.0.1', port: 0, mount: (router) => mountAll(router, { store, cfg }) });

const tag = (i: number) => `${meta.tagPrefix}${i}`;
const allTags = Array.from({ length: meta.tags }, (_, i) => ({ platform: meta.platform, tag: tag(i) }));

// Setup: what a running instance does every hour — recompute every tag's summary row as of now (the on-read rule
// would do it in the background; here it is done up front and timed: the hourly cost).
const setupHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
const refreshT0 = performance.now();
const refreshed = await refreshSummaries(store, allTags, Date.now());
const refreshS = (performance.now() - refreshT0) / 1000;
log(`full summary refresh of ${fmt(meta.tags)} tags (${fmt(refreshed.length)} series): ${refreshS.toFixed(1)} s`);

/** Every read is as of now (no `at=`): what users get. Baselines ask the same question as of the same hour. */
const at = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString();
const atCh = at.replace('T', ' ').replace('Z', '');
/** A typical tag (its length is drawn like every other's) and five for compare. */
const oneTag = tag(Math.floor(meta.tags / 2) + 7);
const fiveTags = [1, 2, 3, 4, 5].map((k) => tag(Math.floor((k * meta.tags) / 7)));

/** GET a path of the API; the body is read whole (what a client waits for). */
async function get(path: string, timeoutMs = 600_000): Promise<{ ms: number; body: string }> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${body.slice(0, 500)}`);
  return { ms, body };
}

/** One plain SQL query through the same client, rows parsed into JS objects (what a caller of the SQL gets). */
async function sql(query: string, params: Record<string, unknown> = {}): Promise<{ ms: number; rows: unknown[] }> {
  const t0 = performance.now();
  const rs = await store.client.query({ query, query_params: params, format: 'JSON', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
  const body = (await rs.json()) as { data: unknown[] };
  return { ms: performance.now() - t0, rows: body.data };
}

interface Pair {
  app: number;
  base: number;
  appRuns: number[];
  baseRuns: number[];
}

/** Each figure's rounds stop early once they took this long (at least one timed round): a bounded loop on a busy machine. */
const BUDGET_MS = o.budgetMs ?? 120_000;

/** Warm-up round, then up to `repeats` rounds of app and baseline back to back (within the budget); medians. */
async function pair(what: string, app: () => Promise<{ ms: number }>, base: () => Promise<{ ms: number }>): Promise<Pair> {
  const started = performance.now();
  await app();
  await base();
  const appRuns: number[] = [];
  const baseRuns: number[] = [];
  for (let i = 0; i < o.repeats && (i === 0 || performance.now() - started < BUDGET_MS); i++) {
    appRuns.push((await app()).ms);
    baseRuns.push((await base()).ms);
  }
  const r = { app: median(appRuns), base: median(baseRuns), appRuns, baseRuns };
  log(`${what}: tagpulse ${fmt(r.app)} ms, baseline ${fmt(r.base)} ms (runs ${appRuns.map((x) => fmt(x)).join('/')} vs ${baseRuns.map((x) => fmt(x)).join('/')})`);
  return r;
}

const ratioResult = (id: string, title: string, p: Pair, target: number, notes: string[]): BenchResult => ({
  id,
  title,
  measured: `tagpulse ${fmt(p.app)} ms; baseline ${fmt(p.base)} ms`,
  ratio: p.app / p.base,
  ratioOf: 'tagpulse ÷ plain SQL',
  target: `≤ ${target}`,
  met: p.app / p.base <= target,
  notes: [...notes, `Runs (ms): tagpulse ${p.appRuns.map((x) => fmt(x)).join(', ')}; baseline ${p.baseRuns.map((x) => fmt(x)).join(', ')}.`],
});

const dataset = `Store: ${fmt(meta.tags)} tracked tags, ${fmt(meta.observations)} observations (views hourly for ${meta.minDays}–${meta.maxDays} days per tag up to ${meta.endIso}, posts daily), ${fmt(meta.hourlyRows)} hourly rollup rows; generator v${meta.generatorVersion} (bench/lib/read-store.ts). All reads as of now (no \`at=\`; the baselines as of the current hour ${at}) after a full summary refresh (${refreshS.toFixed(0)} s), over HTTP from an in-process server on 127.0.0.1; medians of up to ${o.repeats} rounds after a warm-up (fewer when a figure's rounds passed ${Math.round(BUDGET_MS / 1000)} s; each figure lists its runs).`;
const refreshNote = `Setup: full summary refresh of ${fmt(meta.tags)} tags (${fmt(refreshed.length)} series, refreshSummaries as of now): ${refreshS.toFixed(1)} s — the hourly cost of keeping the summary current (rows turn stale at each hour).`;
const results: BenchResult[] = [];
/** Each result also goes to stderr as soon as it is known, so an interrupted run still shows what it measured. */
const push = (...rs: BenchResult[]) => {
  for (const r of rs) process.stderr.write(`bench 7 result: ${JSON.stringify(r)}\n`);
  results.push(...rs);
};
try {
  // 7c /api/tags
  const tagsSql = `SELECT platform, tag, metric, argMaxMerge(last_value) AS value, max(last_at) AS latest_at, min(first_at) AS first_at, count() AS hours
FROM ${T.hourly} GROUP BY platform, tag, metric ORDER BY platform, tag, metric`;
  const tags = await pair('tags', () => get('/api/tags'), () => sql(tagsSql));
  push(ratioResult('7c', '`/api/tags` (every tag with its latest values) vs the latest values from the hourly rollup', tags, 1.5, ['Baseline: per (platform, tag, metric) the latest value and time, first time and hour count, one GROUP BY over the whole hourly rollup.']));

  // 7d compare
  const compareSql = `SELECT tag, observed_at, value, precision, step, source FROM ${T.observations} FINAL
WHERE platform = {platform:String} AND tag IN {tags:Array(String)} AND metric = 'views' ORDER BY tag, observed_at`;
  const compare = await pair('compare', () => get(`/api/compare?tags=${fiveTags.join(',')}&metric=views`), () => sql(compareSql, { platform: meta.platform, tags: fiveTags }));
  push(ratioResult('7d', '`/api/compare`, 5 tags, vs one query for their rows', compare, 1.5, [`Tags ${fiveTags.join(', ')} (whole history, daily grid). Baseline: their rows, FINAL, \`tag IN (…)\`, one query. Target as for the single-tag reads (the issue asks for one query).`]));

  // 7e/7f leaderboard
  const lbSql = `SELECT tag,
  toInt64(argMaxMergeIf(last_value, bucket >= {at:DateTime64(3, 'UTC')} - toIntervalHour({h:UInt32}))) - toInt64(argMinMergeIf(first_value, bucket >= {at:DateTime64(3, 'UTC')} - toIntervalHour({h:UInt32}))) AS delta,
  toInt64(argMaxMergeIf(last_value, bucket < {at:DateTime64(3, 'UTC')} - toIntervalHour({h:UInt32}))) - toInt64(argMinMergeIf(first_value, bucket < {at:DateTime64(3, 'UTC')} - toIntervalHour({h:UInt32}))) AS previous,
  delta / {h:UInt32} AS velocity, if(previous > 0, (delta / previous - 1) * 100, NULL) AS growth
FROM ${T.hourly}
WHERE platform = {platform:String} AND metric = 'views' AND bucket >= {at:DateTime64(3, 'UTC')} - toIntervalHour(2 * {h:UInt32}) AND bucket < {at:DateTime64(3, 'UTC')}
GROUP BY tag ORDER BY velocity DESC LIMIT 20`;
  for (const [id, window, hours] of [['7e', '24h', 24], ['7f', '7d', 168]] as const) {
    const lb = await pair(`leaderboard ${window}`, () => get(`/api/leaderboard?window=${window}&limit=20`), () => sql(lbSql, { at: atCh, platform: meta.platform, h: hours }));
    push(ratioResult(id, `Leaderboard ${window} (\`/api/leaderboard\`, top 20 by velocity) vs one grouped rollup query`, lb, 2, [`Baseline: per tag the counter change over the ${window} window and the one before it (velocity, growth), top 20, one GROUP BY over the hourly rollup reading those ${2 * hours} hours, as of the current hour. tagpulse (no \`at=\`) reads the per-tag summary: the same computeMetrics result (intervals, the doubling time from the 7-day Theil–Sen fit, the robust z over 14 days), stored by the refresh; its cost is the setup line below.`, refreshNote]));
  }

  // 7g/7h one tag
  const seriesSql = `SELECT observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision
FROM ${T.observations} FINAL WHERE platform = {platform:String} AND tag = {tag:String} AND metric = 'views' ORDER BY observed_at`;
  const seriesBase = () => sql(seriesSql, { platform: meta.platform, tag: oneTag });
  const rows = (await seriesBase()).rows.length;
  const series = await pair('series', () => get(`/api/tags/${meta.platform}/${oneTag}/series?metric=views`), seriesBase);
  push(ratioResult('7g', `Single-tag series (\`/api/tags/…/series\`, ${fmt(rows)} rows) vs the same FINAL query`, series, 1.5, [`Tag ${oneTag}. Baseline: the same columns by the same FINAL primary-key read, parsed to JS objects.`]));
  const reportPath = `/api/tags/${meta.platform}/${oneTag}/report?metric=views`;
  const misses0 = reportFitMemo.misses;
  const report = await pair('report', () => get(reportPath), seriesBase);
  const reportMisses = reportFitMemo.misses - misses0;
  push(ratioResult('7h', `Single-tag report (\`/api/tags/…/report\`, ${fmt(rows)} rows) vs reading its rows`, report, 1.5, [`Tag ${oneTag}. Baseline: the tag's rows by one FINAL primary-key read (the report is those rows plus the analytics).`, `The same request repeated, as before: the tag's data did not change between the rounds, so after the first call the report's change points and lifecycle fit come from its memo (services/report.ts \`reportFitMemo\`, keyed by their whole input; ${reportMisses} of ${report.appRuns.length + 1} calls computed them). Everything else (the read, cleaning, windows, Theil–Sen, z) is computed on every call. The report reads its rows and the tag\'s cadence in one flat query answered as columns (\`report_input\`, JSONColumnsWithMetadata). 7j is the first call after a change.`]));
  // 7j the same report when the tag's data just changed: the memo is emptied before each call, so every call computes
  // the change points and the lifecycle fit (checked: one miss per call)
  const reportCold = await pair(
    'report (cold)',
    async () => {
      reportFitMemo.clear();
      const misses = reportFitMemo.misses;
      const r = await get(reportPath);
      if (reportFitMemo.misses !== misses + 1) throw new Error('bench 7j: the report did not compute its fits');
      return r;
    },
    seriesBase,
  );
  push(ratioResult('7j', `Single-tag report, first call after the tag's data changed (\`/api/tags/…/report\`, ${fmt(rows)} rows) vs reading its rows`, reportCold, 1.5, [`Tag ${oneTag}, baseline as 7h. Before each call the report's fit memo is emptied, so each call computes everything, change points and lifecycle fit included: what the first report after a load costs (7h repeats the request with the tag's data unchanged).`]));
  // 7b, 7a last: on the old overview one call at 10,000 tags takes minutes on this machine; measured last, with a
  // cap, so a call that is still running cannot slow the other figures.
  const capMs = o.overviewCapMs ?? 300_000;
  const overviewPath = `/api/overview?page=1&pageSize=50`;
  let firstPage: { ms: number; body: string } | null = null;
  try {
    firstPage = await get(overviewPath, capMs);
  } catch (e) {
    if ((e as Error).name !== 'TimeoutError') throw e;
  }
  const overviewSql = `SELECT tag, argMaxMerge(last_value) AS latest, max(last_at) AS latest_at,
  argMinMergeIf(first_value, bucket >= {at:DateTime64(3, 'UTC')} - INTERVAL 1 DAY) AS day_start,
  argMinMergeIf(first_value, bucket >= {at:DateTime64(3, 'UTC')} - INTERVAL 7 DAY) AS week_start
FROM ${T.hourly}
WHERE platform = {platform:String} AND metric = 'views' AND bucket >= {at:DateTime64(3, 'UTC')} - INTERVAL 16 DAY AND bucket < {at:DateTime64(3, 'UTC')}
GROUP BY tag`;
  const overviewBase = () => sql(overviewSql, { at: atCh, platform: meta.platform });
  const baselineNote = 'Baseline: one GROUP BY tag over the hourly rollup, reading only the 16 days the overview needs: latest value and time, and the counters at the 24 h and 7 d window starts (argMaxMerge/argMinMergeIf).';
  const page = (() => {
    try {
      const j = JSON.parse(firstPage?.body ?? '{}') as { tags?: unknown[]; total?: number };
      return { rows: j.tags?.length ?? 0, total: j.total ?? null };
    } catch {
      return { rows: 0, total: null };
    }
  })();
  if (firstPage) {
    log(`first overview page: ${fmt(firstPage.ms)} ms, ${page.rows} rows`);
    const overview = await pair('overview', () => get(overviewPath, capMs), overviewBase);
    push(ratioResult('7a', `\`/api/overview\` (page 1 of 50 rows), ${fmt(meta.tags)} tags, vs one grouped query on the hourly rollup`, overview, 1.5, [dataset, refreshNote, baselineNote]));
  } else {
    const base = median([(await overviewBase()).ms, (await overviewBase()).ms, (await overviewBase()).ms]);
    log(`overview: no answer within ${fmt(capMs / 1000)} s; baseline ${fmt(base)} ms`);
    push({
      id: '7a',
      title: `\`/api/overview\` (page 1 of 50 rows), ${fmt(meta.tags)} tags, vs one grouped query on the hourly rollup`,
      measured: `tagpulse > ${fmt(capMs)} ms (no answer within the cap; the request was abandoned); baseline ${fmt(base)} ms`,
      ratio: capMs / base,
      ratioOf: 'tagpulse ÷ plain SQL, at least',
      target: '≤ 1.5',
      met: false,
      notes: [dataset, refreshNote, baselineNote, `The first call did not answer within ${fmt(capMs / 1000)} s, so it was not repeated; the ratio is a lower bound.`],
    });
  }
  push({
    id: '7b',
    title: 'First page of `/api/overview` (the first overview request of the server)',
    measured: firstPage ? `${fmt(firstPage.ms)} ms for ${page.rows} rows${page.total !== null ? ` of ${fmt(page.total)}` : ''}` : `> ${fmt(capMs)} ms (no answer within the cap)`,
    ratio: (firstPage?.ms ?? capMs) / 1000,
    ratioOf: firstPage ? 'seconds' : 'seconds, at least',
    target: '< 0.5 s',
    met: firstPage !== null && firstPage.ms < 500,
    notes: ['`GET /api/overview?page=1&pageSize=50` (as of now, from the per-tag summary), the first overview request after the server started (measured after the other figures; nothing of the overview cached).'],
  });

  // 7i the overview page in Chromium (the page's own client, the same server)
  try {
    const f = await measureOverviewPage({ url: server.url, runs: o.pageRuns ?? 3, ...(o.chromiumPath ? { chromiumPath: o.chromiumPath } : {}) });
    const r = overviewPageBenchResult(f, { tags: meta.tags });
    push({ ...r, id: '7i', title: `Overview page with ${fmt(meta.tags)} tags in Chromium: interactive (first page of rows, then a sort click answered)`, notes: [...r.notes, `Runs: ${f.runs.map((x) => `first rows ${fmt(x.firstRowsMs)} ms, interactive ${fmt(x.interactiveMs)} ms, sort ${fmt(x.sortMs)} ms (API requests: ${(x.requests ?? []).map((q) => `${q.path} at ${q.startMs} ms took ${q.ms} ms`).join(', ')})`).join('; ')}.`, 'Headless /usr/bin/chromium through playwright-core with the flags of playwright.config.ts; times from navigation start (performance.now() in the page). Target: interactive < 2 s; the sort round trip is shown beside it.'] });
  } catch (e) {
    log(`overview page in Chromium failed: ${(e as Error).message}`);
    push({ id: '7i', title: `Overview page with ${fmt(meta.tags)} tags in Chromium: interactive`, measured: `failed: ${(e as Error).message.slice(0, 200)}`, ratio: NaN, ratioOf: 'interactive ÷ 2 s', target: '< 1 (interactive in under 2 s)', met: false, notes: [] });
  }
  const endHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  if (endHour !== setupHour) {
    for (const r of results) r.notes.push(`The hour turned during the run (setup in the hour of ${new Date(setupHour).toISOString()}, end in ${new Date(endHour).toISOString()}): reads after the turn found every summary row stale (served with stale: true) while the background refresh ran beside them.`);
  }
} finally {
  // an abandoned overview call may still be computing: do not wait for it longer than a few seconds
  await Promise.race([(async () => {
    await server.close();
    await store.close();
  })(), new Promise((r) => setTimeout(r, 10_000))]);
}
void HOUR_MS;
void DAY_MS;
process.stdout.write(JSON.stringify(results) + '\n');
process.exit(0);
