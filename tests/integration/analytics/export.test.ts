/**
 * Exports in ClickHouse's formats through the CLI (over the owner's API, as with a running `tagpulse run`) and the
 * HTTP API: rows and provenance read back from CSV, JSON lines and Parquet, the citation sidecar, cleaned series,
 * snapshots, and no secrets leaving the instance.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { exportObservations } from '../../../src/services/export.ts';
import { runExport } from '../../../src/cli/commands/export.ts';
import type { Citation } from '../../../src/services/citation.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { obs } from '../../helpers/observations.ts';
import { testConfig } from '../../helpers/config.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { ADMIN_TOKEN, captureIo, startOwnerServer } from './server.ts';
import { HOUR } from './series.ts';

const T0 = Date.parse('2024-09-01T00:00:00.000Z');
const BIG = 9_007_199_254_740_993n; // 2^53 + 1: not representable as a JS number
const iso = (ms: number) => new Date(ms).toISOString();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** RFC 4180 CSV (quoted fields, "" escapes). */
function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else cell += ch;
  }
  const [header, ...body] = rows;
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

describe('export (chDB, CLI through the owner API, HTTP API)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let server: Awaited<ReturnType<typeof startOwnerServer>>;
  const views: Observation[] = [];

  beforeAll(async () => {
    dir = tempDir();
    const cfg = testConfig({ dataDir: dir.dir, adminToken: ADMIN_TOKEN, publicUrl: 'https://pulse.example.org' });
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    for (let i = 0; i < 24; i++) {
      const t = iso(T0 + i * HOUR);
      views.push(obs({ tag: 'mentalhealth', observedAt: t, value: (BIG + BigInt(i) * 1000n).toString(), provenance: 'https://www.tiktok.com/tag/mentalhealth?token=abc123secret&lang=en', collectorVersion: 'tiktok-http/1.2' }));
    }
    // Two display figures, a press lower bound (loosely dated), and a zero glitch.
    views.push(obs({ tag: 'mentalhealth', observedAt: iso(T0 + 24 * HOUR), value: '9007199300000000', exact: false, precision: 'rounded', step: '100000000', source: 'tiktok.page.text', collectorVersion: 'tiktok-http/1.3', provenance: 'https://user:pw@mirror.example/tag/mentalhealth' }));
    views.push(obs({ tag: 'mentalhealth', observedAt: iso(T0 + 25 * HOUR), value: '9007199300000000', exact: false, precision: 'rounded', step: '100000000', source: 'tiktok.page.text', collectorVersion: 'tiktok-http/1.3' }));
    views.push(obs({ tag: 'mentalhealth', observedAt: iso(T0 + 26 * HOUR), value: '9000000000000000', exact: false, precision: 'lower_bound', step: '0', source: 'press', method: 'manual', note: 'press release: "more than 9 quadrillion"', timePrecision: 'day' }));
    views.push(obs({ tag: 'mentalhealth', observedAt: iso(T0 + 27 * HOUR), value: '0', source: 'tiktok.api.statsV2' }));
    const posts = Array.from({ length: 5 }, (_, i) => obs({ tag: 'mentalhealth', metric: 'posts', observedAt: iso(T0 + i * HOUR), value: String(100 + i) }));
    const other = Array.from({ length: 3 }, (_, i) => obs({ tag: 'other', observedAt: iso(T0 + i * HOUR), value: String(5 + i) }));
    const leaky = [obs({ tag: 'leaky', observedAt: iso(T0), value: '1', note: `pasted by mistake: ${ADMIN_TOKEN}` })];
    await store.insertObservations([...views, ...posts, ...other, ...leaky]);
    server = await startOwnerServer(store, cfg);
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    dir?.cleanup();
  });

  const cli = async (opts: Record<string, unknown>) => {
    const c = captureIo();
    const code = await runExport({ dataDir: dir.dir, logLevel: 'silent', tags: 'mentalhealth', metric: 'views', ...opts }, c.io);
    return { ...c, code };
  };

  it('CSV: every observation with its provenance, exact counts, a citation sidecar and a ready-to-paste citation', async () => {
    const out = join(dir.dir, 'mh.csv');
    const r = await cli({ format: 'csv', out, cite: true });
    expect(r.code).toBe(0);
    const bytes = readFileSync(out);
    const rows = parseCsv(bytes.toString('utf8'));
    expect(rows.length).toBe(views.length);
    expect(Object.keys(rows[0]!)).toEqual(['platform', 'tag', 'metric', 'observed_at', 'value', 'exact', 'step', 'precision', 'source', 'method', 'collector_version', 'slot', 'fetched_at', 'provenance', 'note', 'time_precision']);
    expect(rows[0]).toMatchObject({ platform: 'tiktok', tag: 'mentalhealth', metric: 'views', observed_at: '2024-09-01 00:00:00.000', value: BIG.toString(), precision: 'exact', collector_version: 'tiktok-http/1.2' });
    expect(rows.find((x) => x.precision === 'lower_bound')).toMatchObject({ source: 'press', method: 'manual', time_precision: 'day', note: 'press release: "more than 9 quadrillion"' });
    // Credentials in provenance URLs never leave the instance.
    expect(bytes.toString()).not.toContain('abc123secret');
    expect(bytes.toString()).not.toContain('user:pw');
    expect(rows[0]!.provenance).toBe('https://www.tiktok.com/tag/mentalhealth?token=[redacted]&lang=en');

    const cit = JSON.parse(readFileSync(`${out}.citation.json`, 'utf8')) as Citation;
    expect(cit.sha256).toBe(sha256(bytes));
    expect(cit).toMatchObject({ dataset: 'tagpulse observations', rows: views.length, format: 'CSVWithNames', file: 'mh.csv', bytes: bytes.length, instance: 'a local tagpulse instance', title: '#mentalhealth TikTok views' });
    expect(cit.query).toMatchObject({ name: 'export_observations', parameters: { platform: 'tiktok', tags: ['mentalhealth'], metrics: ['views'] } });
    expect(cit.timeRange).toEqual({ from: iso(T0), to: iso(T0 + 27 * HOUR) });
    expect(cit.precision).toMatchObject({ rows: 28, exact: 25, rounded: 2, lowerBound: 1 });
    expect(cit.precision.exactShare).toBeCloseTo(25 / 28, 12);
    expect(cit.sources.map((s) => [s.source, s.rows, s.exact, s.rounded, s.lowerBound])).toEqual([
      ['tiktok.api.statsV2', 25, 25, 0, 0],
      ['tiktok.page.text', 2, 0, 2, 0],
      ['press', 1, 0, 0, 1],
    ]);
    expect(cit.collectorVersions).toEqual(['test', 'tiktok-http/1.2', 'tiktok-http/1.3']);
    expect(cit.analytics).toMatchObject({ cleaned: false, version: expect.any(String) });
    expect(r.out).toEqual([cit.text]);
    expect(cit.text).toMatch(/^tagpulse \(\d{4}\)\. #mentalhealth TikTok views, 2024-09-01–2024-09-02, 28 observations \(89\.3% exact, 7\.1% rounded display figures, 3\.6% lower bounds\)\. Exported \d{4}-\d\d-\d\d from a local tagpulse instance\. sha256:[0-9a-f]{64}$/);
    expect(r.err.join('\n')).toContain(`citation: ${out}.citation.json`);
  });

  it('JSON lines: one object per observation, UInt64 values as exact strings', async () => {
    const out = join(dir.dir, 'mh.jsonl');
    expect((await cli({ format: 'jsonl', out })).code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBe(views.length);
    expect(lines[1]).toMatchObject({ tag: 'mentalhealth', value: (BIG + 1000n).toString(), exact: true, step: '0' });
    expect(JSON.parse(readFileSync(`${out}.citation.json`, 'utf8'))).toMatchObject({ format: 'JSONEachRow', rows: views.length, sha256: sha256(readFileSync(out)) });
  });

  it('Parquet: a valid file ClickHouse reads back with the same rows and exact values', async () => {
    const out = join(dir.dir, 'mh.parquet');
    expect((await cli({ format: 'parquet', out, metric: 'views,posts' })).code).toBe(0);
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(-4).toString()).toBe('PAR1');
    const rs = await store.client.query({ query: `SELECT count() AS n, countIf(metric = 'posts') AS posts, min(value) AS min_nonzero_excluded, toString(max(value)) AS max FROM file('${out}', Parquet) WHERE value > 0`, format: 'JSONEachRow' });
    const [back] = (await rs.json()) as { n: string; posts: string; max: string }[];
    expect(back).toMatchObject({ n: String(views.length - 1 + 5), posts: '5', max: '9007199300000000' });
    const cit = JSON.parse(readFileSync(`${out}.citation.json`, 'utf8')) as Citation;
    expect(cit).toMatchObject({ rows: views.length + 5, format: 'Parquet', title: '#mentalhealth TikTok views and posts' });
  });

  it('--cleaned: the adjusted series (no glitches, no lower bounds), written by ClickHouse, with the cleaning cited', async () => {
    const out = join(dir.dir, 'mh-clean.csv');
    expect((await cli({ format: 'csv', out, cleaned: true })).code).toBe(0);
    const rows = parseCsv(readFileSync(out, 'utf8'));
    expect(rows.length).toBe(26); // 24 exact + 2 rounded; the lower bound and the zero are left out
    expect(rows.some((x) => x.value === '0' || x.precision === 'lower_bound')).toBe(false);
    expect(rows[0]).toMatchObject({ value: BIG.toString(), raw_value: BIG.toString(), adjusted: 'false', analytics_version: expect.any(String) });
    const cit = JSON.parse(readFileSync(`${out}.citation.json`, 'utf8')) as Citation;
    // issue 11: the readings the metrics use (first and last of each hour; here one per hour), the zero left out before cleaning
    expect(cit).toMatchObject({ dataset: 'tagpulse cleaned counter series', rows: 26, analytics: { cleaned: true, cleaning: { inputRows: 28, outputRows: 26, zerosLeftOut: 1, glitches: 0, lowerBoundsLeftOut: 1, readingsNotUsed: 0 } } });
    expect(rows.every((x) => x.gap_before === 'false' || x.gap_before === 'true')).toBe(true);
    expect(cit.text).toContain('cleaned series (tagpulse analytics');
  });

  it('a snapshot reproduces the same bytes after new rows arrive', async () => {
    const first = await exportObservations(store, { tags: 'other', format: 'csv' });
    await store.insertObservations([obs({ tag: 'other', observedAt: iso(T0 + 10 * HOUR), value: '99' })]);
    const again = await exportObservations(store, { tags: 'other', format: 'csv', snapshot: first.citation.query.parameters.snapshot as string });
    const now = await exportObservations(store, { tags: 'other', format: 'csv' });
    expect(again.citation.sha256).toBe(first.citation.sha256);
    expect(again.rows).toBe(3);
    expect(now.rows).toBe(4);
  });

  it('an empty selection is a valid file with its header and an honest citation', async () => {
    const r = await exportObservations(store, { tags: 'nosuchtag', format: 'csv' });
    expect(r.rows).toBe(0);
    expect(r.bytes.toString()).toMatch(/^"platform","tag",/);
    expect(r.citation.text).toMatch(/^tagpulse \(\d{4}\)\. #nosuchtag TikTok all metrics, no observations in the selected range\. Exported /);
    const cleaned = await exportObservations(store, { tags: 'nosuchtag', format: 'parquet', cleaned: true });
    expect(cleaned.bytes.subarray(0, 4).toString()).toBe('PAR1');
  });

  it('refuses to export a configured secret', async () => {
    await expect(exportObservations(store, { tags: 'leaky' }, { secrets: [ADMIN_TOKEN] })).rejects.toMatchObject({ code: 'EXPORT_SECRET' });
    const res = await server.get('/api/export?tags=leaky');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('EXPORT_SECRET');
  });

  it('API: attachment with content type, hash and a citation link that reproduces the same bytes', async () => {
    const res = await server.get('/api/export?tags=mentalhealth&metric=views&format=jsonl');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="tagpulse-mentalhealth-views-\d{8}\.jsonl"/);
    const body = Buffer.from(await res.arrayBuffer());
    expect(res.headers.get('x-tagpulse-sha256')).toBe(sha256(body));
    expect(res.headers.get('x-tagpulse-rows')).toBe(String(views.length));
    const link = /^<([^>]+)>; rel="describedby"/.exec(res.headers.get('link') ?? '')![1]!;
    const cit = (await (await server.get(link)).json()) as Citation;
    expect(cit).toMatchObject({ sha256: sha256(body), rows: views.length, format: 'JSONEachRow', instance: 'https://pulse.example.org' });
    expect(cit.text).toContain('from https://pulse.example.org.');

    const pq = await server.get('/api/export?tags=mentalhealth&format=parquet&cleaned=1');
    expect(pq.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(Buffer.from(await pq.arrayBuffer()).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('API: a bad parameter is a 400 that names it', async () => {
    const bad = await server.get('/api/export?tags=mentalhealth&format=xlsx');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^format: /);
    const typo = await server.get('/api/export?tag=mentalhealth');
    expect(typo.status).toBe(400);
    expect(((await typo.json()) as { error: { message: string } }).error.message).toContain('unknown query parameter(s) tag');
    const when = await server.get('/api/export?from=yesterday');
    expect(((await when.json()) as { error: { message: string } }).error.message).toMatch(/^from: "yesterday" is not an ISO 8601/);
    expect(existsSync(join(dir.dir, 'holder.json'))).toBe(true);
  });
});
