/** Tracking: which tags are sampled, on which platform, how often. The store is the source of truth. */
import type { Store } from '../store/store.ts';
import { trackedQuery, trackedTagQuery } from '../store/queries.ts';
import { normalizeTag } from '../schema/tag.ts';
import { parseEvery, type TrackedTag } from '../schema/tracked.ts';
import { Platform } from '../schema/observation.ts';
import { TagpulseError } from '../errors.ts';

export class TrackingInputError extends TagpulseError {
  override readonly code = 'TRACK_INPUT';
  constructor(message: string) {
    super(message);
  }
}

export const SUPPORTED_PLATFORMS = ['tiktok', 'instagram', 'youtube', 'tiktok_research'] as const;

export function checkPlatform(p: string): string {
  const r = Platform.safeParse(p);
  if (!r.success || !(SUPPORTED_PLATFORMS as readonly string[]).includes(p)) {
    throw new TrackingInputError(`unknown platform ${JSON.stringify(p)}: use one of ${SUPPORTED_PLATFORMS.join(', ')}`);
  }
  return p;
}

export async function listTracked(store: Store, includeInactive = false): Promise<TrackedTag[]> {
  const rows = await store.run(trackedQuery, { includeInactive: includeInactive ? 1 : 0 });
  return rows.map((r) => ({ platform: r.platform, tag: r.tag, everyMs: r.every_ms, addedAt: r.added_at, active: r.active }));
}

/** One tag's entry of trackedCadences, read by its key (tracked_tag) instead of listing every tracked tag: its last cadence (also when no longer active), or undefined if never tracked. */
export async function trackedCadenceMs(store: Store, platform: string, tag: string): Promise<number | undefined> {
  const [row] = await store.run(trackedTagQuery, { platform, tag });
  return row?.every_ms;
}

export async function addTracked(store: Store, input: { tags: string[]; platform: string; every: string }): Promise<TrackedTag[]> {
  const platform = checkPlatform(input.platform);
  let everyMs: number;
  try {
    everyMs = parseEvery(input.every);
  } catch (e) {
    throw new TrackingInputError((e as Error).message);
  }
  const tags = [...new Set(input.tags.map((t) => normalizeTag(t)))];
  if (!tags.length) throw new TrackingInputError('no tag given: e.g. tagpulse track add mentalhealth');
  const existing = new Map((await listTracked(store, true)).map((t) => [`${t.platform}|${t.tag}`, t]));
  const now = new Date().toISOString();
  const rows = tags.map((tag) => ({ platform, tag, everyMs, addedAt: existing.get(`${platform}|${tag}`)?.addedAt ?? now, active: true }));
  await store.upsertTracked(rows);
  return rows;
}

export async function removeTracked(store: Store, input: { tags: string[]; platform: string }): Promise<{ removed: string[]; notTracked: string[] }> {
  const platform = checkPlatform(input.platform);
  const tags = [...new Set(input.tags.map((t) => normalizeTag(t)))];
  const existing = new Map((await listTracked(store)).map((t) => [`${t.platform}|${t.tag}`, t]));
  const removed: TrackedTag[] = [];
  const notTracked: string[] = [];
  for (const tag of tags) {
    const t = existing.get(`${platform}|${tag}`);
    if (t) removed.push({ ...t, active: false });
    else notTracked.push(tag);
  }
  await store.upsertTracked(removed);
  return { removed: removed.map((t) => t.tag), notTracked };
}

/**
 * The sampling cadence of every tag that has (or had) a schedule, by "platform|tag": the metrics' gap rule needs it
 * (late samples of a tracked tag are not gaps, docs/analytics.md §3), so the report, the overview, the leaderboard
 * and alerts all pass the same cadence for the same tag. Inactive schedules keep their last cadence.
 */
export async function trackedCadences(store: Store): Promise<Map<string, number>> {
  return new Map((await listTracked(store, true)).map((t) => [`${t.platform}|${t.tag}`, t.everyMs]));
}
