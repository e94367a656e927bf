/**
 * Job payloads. They never carry secrets (tokens and credentials stay in config); they carry only what
 * identifies the work, so a re-delivered job does the same thing.
 */
import * as z from 'zod';
import { Tag } from './tag.ts';
import { Metric, Method, Observation, Platform, Precision, TimePrecision } from './observation.ts';
import { Count } from './count.ts';
import { CollectionFailure } from './failure.ts';

export const CollectMethod = z.enum(['http', 'browser', 'auto']);
export type CollectMethod = z.infer<typeof CollectMethod>;

export const CollectJob = z
  .object({
    platform: Platform,
    /** One tag (single-tag job: manual, catch-up, a tag handed on from a group) … */
    tag: Tag.optional(),
    /** … or the tags of a group (grouped job scheduler, workers/scheduler.ts): each is fetched, stored and retried on its own. */
    tags: z.array(Tag).min(1).max(1000).optional(),
    /** Scheduled slot (ISO). Deterministic per job: the observation key. Absent on scheduler-produced jobs, derived from the job's timestamp. */
    slot: z.string().datetime().optional(),
    everyMs: z.number().int().positive().optional(),
    method: CollectMethod.optional(),
    reason: z.enum(['schedule', 'manual', 'demo', 'bench']).default('schedule'),
    /** Attempts already made for this (tag, slot) before this job (a tag that failed in a group job and goes on alone). */
    priorAttempts: z.number().int().min(0).max(100).optional(),
  })
  .refine((j) => (j.tag === undefined) !== (j.tags === undefined), { message: 'a collect job names either one tag or a list of tags' });
export type CollectJob = z.infer<typeof CollectJob>;

export const LoadJob = z.object({
  observations: z.array(Observation).default([]),
  failures: z.array(CollectionFailure).default([]),
});
export type LoadJob = z.infer<typeof LoadJob>;

/**
 * `LoadJob.safeParse`, with the same answer for every input (tests/unit/core/load-job-parse.test.ts: a property test
 * against LoadJob.safeParse), at a fraction of its cost on the loader's hot path (issue 15, figure 1: zod's walk of
 * every observation of every load job was ~7 % of the pipeline's main thread and ~12 % of what it allocated).
 * An observation is checked field by field with the schemas Observation itself is made of: the string fields that
 * repeat from row to row (platform, tag, metric, the three times) through a memo of those schemas' own answers, a
 * count through a regex that implies Count (a longer one goes to Count itself), enums against their options. Anything
 * that is not plainly valid (a missing or mistyped field, a failure row that does not parse) is handed to
 * LoadJob.safeParse, so an invalid job gets zod's own issues, word for word.
 */
export function safeParseLoadJob(data: unknown): { success: true; data: LoadJob } | { success: false; error: z.ZodError } {
  const fast = quickLoadJob(data);
  if (fast) return { success: true, data: fast };
  const r = LoadJob.safeParse(data);
  return r.success ? { success: true, data: r.data } : { success: false, error: r.error };
}

/** Answers of a schema for strings seen before (a pure function of the string), bounded. */
function memoOf(schema: z.ZodType): (s: string) => boolean {
  let seen = new Map<string, boolean>();
  return (s) => {
    let ok = seen.get(s);
    if (ok === undefined) {
      ok = schema.safeParse(s).success;
      if (seen.size >= 4096) seen = new Map();
      seen.set(s, ok);
    }
    return ok;
  };
}
const isPlatform = memoOf(Platform);
const isTag = memoOf(Tag);
const isMetric = memoOf(Metric);
const isTime = memoOf(Observation.shape.observedAt);
/** Up to 19 digits, canonical: always below UInt64 max, so Count accepts it; anything else asks Count. */
const SHORT_COUNT = /^(?:0|[1-9][0-9]{0,18})$/;
const isCount = (s: string) => SHORT_COUNT.test(s) || Count.safeParse(s).success;
const PRECISIONS: readonly unknown[] = Precision.options;
const METHODS: readonly unknown[] = Method.options;
const TIME_PRECISIONS: readonly unknown[] = TimePrecision.options;
const isPlainObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype;
const str = (x: unknown, min: number, max: number): x is string => typeof x === 'string' && x.length >= min && x.length <= max;

/** The parsed job when every row is plainly valid, else undefined (then zod decides). Exported for its property test. */
export function quickLoadJob(data: unknown): LoadJob | undefined {
  if (!isPlainObject(data)) return undefined;
  const { observations = [], failures = [] } = data;
  if (!Array.isArray(observations) || !Array.isArray(failures)) return undefined;
  const out: Observation[] = new Array(observations.length);
  for (let i = 0; i < observations.length; i++) {
    const o = quickObservation(observations[i]);
    if (!o) return undefined;
    out[i] = o;
  }
  const fails: CollectionFailure[] = new Array(failures.length);
  for (let i = 0; i < failures.length; i++) {
    const r = CollectionFailure.safeParse(failures[i]);
    if (!r.success) return undefined;
    fails[i] = r.data;
  }
  return { observations: out, failures: fails };
}

function quickObservation(x: unknown): Observation | undefined {
  if (!isPlainObject(x)) return undefined;
  const { platform, tag, metric, observedAt, value, exact, step, precision, source, method, collectorVersion, slot, fetchedAt, provenance = '', note = '', timePrecision = 'instant' } = x;
  if (!(typeof platform === 'string' && isPlatform(platform) && typeof tag === 'string' && isTag(tag) && typeof metric === 'string' && isMetric(metric))) return undefined;
  if (!(typeof observedAt === 'string' && isTime(observedAt) && typeof slot === 'string' && isTime(slot) && typeof fetchedAt === 'string' && isTime(fetchedAt))) return undefined;
  if (!(typeof value === 'string' && isCount(value) && typeof step === 'string' && isCount(step) && typeof exact === 'boolean')) return undefined;
  if (!(PRECISIONS.includes(precision) && METHODS.includes(method) && TIME_PRECISIONS.includes(timePrecision))) return undefined;
  if (!(str(source, 1, 200) && str(collectorVersion, 1, 100) && str(provenance, 0, 2000) && str(note, 0, 2000))) return undefined;
  // Observation's refinement: exact iff precision is "exact", and an exact value has step 0.
  if (exact !== (precision === 'exact') || (precision === 'exact' && step !== '0')) return undefined;
  return { platform, tag, metric, observedAt, value, exact, step, precision: precision as Observation['precision'], source, method: method as Observation['method'], collectorVersion, slot, fetchedAt, provenance, note, timePrecision: timePrecision as Observation['timePrecision'] };
}

/** Characters other than letters, digits, `_`, `.` and `-`, in any script. */
const UNSAFE_ID_CHAR = /[^\p{L}\p{N}_.-]/gu;
/** The same set restricted to ASCII (\p{L} and \p{N} there are exactly A–Z, a–z and 0–9). */
const UNSAFE_ASCII_ID_CHAR = /[^A-Za-z0-9_.-]/g;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * BullMQ job ids must not contain ':' and must not be all digits. ASCII ids (nearly all tags) take the ASCII class:
 * the same result, without the Unicode-property regex (under 1 µs per call in a micro-benchmark, yet ~30 µs per id in
 * the pipeline profile of issue 15, consistent with V8 recompiling it after flushing its code; the scheduler builds one
 * id per tag on every resync).
 */
export function safeJobId(...parts: string[]): string {
  const joined = parts.join('-');
  return (ASCII_ONLY.test(joined) ? joined.replace(UNSAFE_ASCII_ID_CHAR, '_') : joined.replace(UNSAFE_ID_CHAR, '_')).replace(/^(\d+)$/, 'j$1');
}

/** What one load stored (the loader's post-load hooks receive it: alerts, format drift). */
export interface LoadedBatch {
  observations: Observation[];
  failures: CollectionFailure[];
}
