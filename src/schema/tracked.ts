import * as z from 'zod';
import { Tag } from './tag.ts';
import { Platform } from './observation.ts';
import { parseDuration } from '../util/duration.ts';

/** Human cadence such as "15m", "1h", "6h", "1d" → milliseconds. */
export function parseEvery(s: string): number {
  const ms = parseDuration(s, ['s', 'm', 'h', 'd']);
  if (ms === undefined) throw new Error(`invalid cadence ${JSON.stringify(s)}: use a number and a unit, e.g. 15m, 1h, 6h or 1d`);
  if (ms < 10_000) throw new Error(`cadence ${s} is too short: the minimum is 10s`);
  return ms;
}

export function formatEvery(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

export const TrackedTag = z.object({
  platform: Platform,
  tag: Tag,
  everyMs: z.number().int().min(10_000),
  addedAt: z.string().datetime(),
  active: z.boolean().default(true),
});
export type TrackedTag = z.infer<typeof TrackedTag>;
