/**
 * Job payloads. They never carry secrets (tokens and credentials stay in config); they carry only what
 * identifies the work, so a re-delivered job does the same thing.
 */
import { z } from 'zod';
import { Tag } from './tag.ts';
import { Observation, Platform } from './observation.ts';
import { CollectionFailure } from './failure.ts';

export const CollectMethod = z.enum(['http', 'browser', 'auto']);
export type CollectMethod = z.infer<typeof CollectMethod>;

export const CollectJob = z.object({
  platform: Platform,
  tag: Tag,
  /** Scheduled slot (ISO). Deterministic per job: the observation key. Absent on scheduler-produced jobs, derived from the job's timestamp. */
  slot: z.string().datetime().optional(),
  everyMs: z.number().int().positive().optional(),
  method: CollectMethod.optional(),
  reason: z.enum(['schedule', 'manual', 'demo', 'bench']).default('schedule'),
});
export type CollectJob = z.infer<typeof CollectJob>;

export const LoadJob = z.object({
  observations: z.array(Observation).default([]),
  failures: z.array(CollectionFailure).default([]),
});
export type LoadJob = z.infer<typeof LoadJob>;

/** BullMQ job ids must not contain ':' and must not be all digits. */
export function safeJobId(...parts: string[]): string {
  return parts
    .join('-')
    .replace(/[^\p{L}\p{N}_.-]/gu, '_')
    .replace(/^(\d+)$/, 'j$1');
}

/** What one load stored (the loader's post-load hooks receive it: alerts, format drift). */
export interface LoadedBatch {
  observations: Observation[];
  failures: CollectionFailure[];
}
