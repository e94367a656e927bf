/**
 * Issue 15 (figure 1, the loader's hot path): safeParseLoadJob replaces LoadJob.safeParse in the load worker and must
 * give the same answer for every input: the same success, the same parsed job (values, defaults, stripped keys, key
 * order) and, for an invalid job, zod's own issues. Property test over seeded random jobs built from valid rows with
 * fields swapped for edge values (every rule of Observation and CollectionFailure: regexes, lengths, enums, the
 * datetime format with leap days and offsets, UInt64 bounds, the exact/step refinement, defaults, extra and missing
 * keys, wrong types). It also pins that the fast path itself (quickLoadJob) takes every valid plain job, so the
 * comparison is not won by always falling back to zod.
 */
import { describe, expect, it } from 'vitest';
import { LoadJob, quickLoadJob, safeParseLoadJob } from '../../../src/schema/jobs.ts';
import { mulberry32 } from '../../../src/analytics/math.ts';

const DROP = Symbol('drop');
const long = (n: number) => 'x'.repeat(n);
/** Edge values per field (DROP: the key is absent). */
const EDGES: Record<string, unknown[]> = {
  platform: ['tiktok', 'instagram', 'tiktok_research', 'a', long(32), 'a' + long(31), 'a' + long(32), '', 'TikTok', '1tiktok', 'tik-tok', ' tiktok', 7, null, DROP],
  tag: ['bench_1', 'mentalhealth', 'café', 'cafe\u0301', 'ﾀｸ', '٣٣', 'x²', 'Tag', '#tag', 'two words', '', 'a'.repeat(150), 'a'.repeat(151), 'é'.repeat(150), '🙂', 'a-b', 3, null, DROP],
  metric: ['views', 'posts', 'video_views_sum', 'a' + long(63), 'a' + long(64), 'Views', '', '_x', 'x-y', 0, DROP],
  time: [
    '2030-01-01T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '2023-02-29T00:00:00.000Z', '2000-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2400-02-29T00:00:00Z',
    '2024-04-31T00:00:00Z', '2024-13-01T00:00:00Z', '2024-00-10T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T23:60:00Z', '2024-01-01T23:59:60Z',
    '2024-01-01T00:00:00+01:00', '2024-01-01T00:00:00.5-23:59', '2024-01-01T00:00:00+24:00', '2024-01-01T00:00:00.123456789Z', '2024-01-01T00:00Z',
    '2024-01-01T00:00:00', '2024-01-01', '2024-01-01T00:00:00z', '2024-01-01 00:00:00Z', ' 2024-01-01T00:00:00Z', '+010000-01-01T00:00:00.000Z', '0000-02-29T00:00:00Z', '', 1704067200000, null, DROP,
  ],
  count: ['0', '1', '1673677519', '9999999999999999999', '10000000000000000000', '18446744073709551615', '18446744073709551616', '99999999999999999999', '100000000000000000000', '00', '01', '-1', '+1', '1.0', '1e5', ' 1', '', 5, null, DROP],
  exact: [true, false, 'true', 1, null, DROP],
  precision: ['exact', 'rounded', 'lower_bound', 'Exact', '', null, DROP],
  source: ['tiktok.page.rehydration.statsV2', 'x', long(200), long(201), '', 4, DROP],
  method: ['http', 'browser', 'api', 'wayback', 'import', 'manual', 'HTTP', '', null, DROP],
  collectorVersion: ['tiktok-http/1.0.0', 'v', long(100), long(101), '', null, DROP],
  text: ['', 'https://www.tiktok.com/tag/x?lang=en', long(2000), long(2001), `it's "quoted" \\ \n`, null, 9, undefined, DROP],
  timePrecision: ['instant', 'day', 'month', 'year', 'week', '', null, undefined, DROP],
};
const FIELD_EDGES: Record<string, string> = { observedAt: 'time', slot: 'time', fetchedAt: 'time', value: 'count', step: 'count', provenance: 'text', note: 'text' };

function validObservation(r: () => number, i: number): Record<string, unknown> {
  const precision = ['exact', 'rounded', 'lower_bound'][Math.floor(r() * 3)]!;
  const at = new Date(Date.UTC(2030, 0, 1) + Math.floor(r() * 1e10)).toISOString();
  return {
    platform: 'tiktok',
    tag: `bench_${i % 7}`,
    metric: i % 2 ? 'posts' : 'views',
    observedAt: at,
    value: String(Math.floor(r() * 1e12)),
    exact: precision === 'exact',
    step: precision === 'exact' ? '0' : '100000',
    precision,
    source: 'tiktok.page.rehydration.statsV2',
    method: 'http',
    collectorVersion: 'tiktok-http/1.0.0',
    slot: at.slice(0, 17) + '00.000Z',
    fetchedAt: at,
    provenance: 'http://127.0.0.1:1/tag/x?lang=en',
    note: '',
    timePrecision: 'instant',
  };
}

function validFailure(r: () => number): Record<string, unknown> {
  return { platform: 'tiktok', tag: `bench_${Math.floor(r() * 5)}`, kind: 'captcha', statusCode: 200, platformCode: '10000', message: 'verify', method: 'http', source: '', slot: '2030-01-01T00:00:00.000Z', occurredAt: '2030-01-01T00:00:01.000Z', attempt: 1, collectorVersion: 'tiktok-http/1.0.0', url: '', rawRef: 'r1' };
}

function mutate(o: Record<string, unknown>, r: () => number, p: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...o };
  for (const k of Object.keys(o)) {
    if (r() >= p) continue;
    const pool = EDGES[FIELD_EDGES[k] ?? k]!;
    const v = pool[Math.floor(r() * pool.length)];
    if (v === DROP) delete out[k];
    else out[k] = v;
  }
  if (r() < p) out.extra = r() < 0.5 ? 'ignored' : { nested: true };
  return out;
}

function randomJob(r: () => number): unknown {
  const roll = r();
  if (roll < 0.01) return [null, [], 'job', 42, undefined][Math.floor(r() * 5)];
  const observations: unknown[] = Array.from({ length: Math.floor(r() * 6) }, (_, i) => {
    const x = r();
    if (x < 0.01) return [null, [], 'row', 1][Math.floor(r() * 4)];
    if (x < 0.02) return Object.assign(Object.create(null), validObservation(r, i));
    return mutate(validObservation(r, i), r, x < 0.5 ? 0 : 0.03);
  });
  const failures: unknown[] = r() < 0.2 ? Array.from({ length: 1 + Math.floor(r() * 2) }, () => (r() < 0.7 ? validFailure(r) : { ...validFailure(r), attempt: -1 })) : [];
  const job: Record<string, unknown> = { observations, failures };
  const shape = r();
  if (shape < 0.05) delete job.observations;
  else if (shape < 0.1) delete job.failures;
  else if (shape < 0.12) job.observations = { 0: observations[0] };
  else if (shape < 0.14) job.extra = 1;
  return job;
}

describe('safeParseLoadJob', () => {
  it('answers as LoadJob.safeParse does, on 20,000 random jobs (same success, parsed job, key order and issues)', () => {
    const r = mulberry32(15_04);
    let valid = 0;
    let invalid = 0;
    for (let n = 0; n < 20_000; n++) {
      const job = randomJob(r);
      const ours = safeParseLoadJob(job);
      const zod = LoadJob.safeParse(job);
      expect(ours.success, JSON.stringify(job)?.slice(0, 1500)).toBe(zod.success);
      if (ours.success && zod.success) {
        valid++;
        expect(ours.data).toStrictEqual(zod.data);
        expect(JSON.stringify(ours.data)).toBe(JSON.stringify(zod.data));
      } else if (!ours.success && !zod.success) {
        invalid++;
        expect(ours.error.issues).toEqual(zod.error.issues);
      }
      // The fast path takes every valid job made of plain objects, and only valid ones.
      const plain = (x: unknown) => typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
      const allPlain = plain(job) && (!Array.isArray((job as { observations?: unknown }).observations) || ((job as { observations: unknown[] }).observations).every(plain));
      const quick = quickLoadJob(job);
      if (quick) expect(zod.success).toBe(true);
      if (zod.success && allPlain) expect(quick, JSON.stringify(job)?.slice(0, 1500)).toBeDefined();
    }
    // Both sides of the comparison are well populated.
    expect(valid).toBeGreaterThan(4000);
    expect(invalid).toBeGreaterThan(4000);
  });

  it('a job of the collect worker (two observations per sample, a failure) parses to itself', () => {
    const r = mulberry32(7);
    const job = { observations: Array.from({ length: 200 }, (_, i) => validObservation(r, i)), failures: [validFailure(r)] };
    const ours = safeParseLoadJob(job);
    expect(ours.success && ours.data).toStrictEqual(LoadJob.parse(job));
    expect(quickLoadJob(job)).toBeDefined();
  });
});
