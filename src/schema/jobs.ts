/**
 * Job payloads. They never carry secrets (tokens and credentials stay in config); they carry only what
 * identifies the work, so a re-delivered job does the same thing.
 */
import * as z from 'zod';
import { Tag } from './tag.ts';
import { Observation, Platform } from './observation.ts';
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
