/**
 * Lost queue state and missed slots. The queue (Redis) holds the only record of slots that are planned, being
 * collected or collected but not yet stored; when Redis comes back empty (its AOF deleted, a disk replaced) or the
 * process was down, those slots are gone without a trace. At start (and after a Redis restart) the runtime compares
 * the queue with the store: a tracked tag's planned slots after its last stored sample, with no job for the tag in
 * any queue, are gaps. A sample of a past slot cannot be re-read (the counter has moved on since), so gaps are
 * reported, never filled with guesses; only the latest slot, if it was due less than one cadence ago, is collected
 * late (catch-up) — with its real fetch time.
 */
import type { TrackedTag } from '../schema/tracked.ts';
import { plannedSlots, type Grouping } from '../queue/schedule-phase.ts';

export interface TagGap {
  platform: string;
  tag: string;
  everyMs: number;
  /** Last stored sample (null: none yet). */
  lastAt: string | null;
  /** Planned slots with no row and no job, within the lookback. */
  missedSlots: number;
  firstMissed: string;
  lastMissed: string;
}

export interface GapReport {
  checkedAt: string;
  /** No job scheduler existed in Redis although tags are tracked: the queue state was lost (or never created). */
  queueWasEmpty: boolean;
  tags: TagGap[];
  totalMissedSlots: number;
  /** Latest slots collected late (after a Redis restart), by `platform|tag`. */
  caughtUp: string[];
}

export interface GapInputs {
  tracked: TrackedTag[];
  /** Last stored observation per `platform|tag` (ISO). */
  lastAt: Map<string, string>;
  /** `platform|tag` that have any job waiting, delayed, active or in the load queue. */
  withJobs: Set<string>;
  schedulersExisted: boolean;
  nowMs: number;
  /** How the scheduler groups tags (their phases follow it); default: one scheduler per tag. */
  grouping?: Grouping;
  /** How far back slots count (default 24 h). */
  lookbackMs?: number;
}

export function detectGaps(i: GapInputs): GapReport {
  const lookback = i.lookbackMs ?? 24 * 3_600_000;
  const tags: TagGap[] = [];
  for (const t of i.tracked.filter((x) => x.active)) {
    const key = `${t.platform}|${t.tag}`;
    if (i.withJobs.has(key)) continue;
    const last = i.lastAt.get(key) ?? null;
    const fromMs = Math.max(last ? Date.parse(last) + 1 : Date.parse(t.addedAt), i.nowMs - lookback);
    const slots = plannedSlots(t.platform, t.tag, t.everyMs, fromMs, i.nowMs + 1, i.grouping);
    if (!slots.length) continue;
    tags.push({ platform: t.platform, tag: t.tag, everyMs: t.everyMs, lastAt: last, missedSlots: slots.length, firstMissed: new Date(slots[0]!).toISOString(), lastMissed: new Date(slots.at(-1)!).toISOString() });
  }
  return {
    checkedAt: new Date(i.nowMs).toISOString(),
    queueWasEmpty: !i.schedulersExisted && i.tracked.some((t) => t.active),
    tags,
    totalMissedSlots: tags.reduce((a, t) => a + t.missedSlots, 0),
    caughtUp: [],
  };
}

/** The latest missed slot of a gap, when it was due less than one cadence ago: still worth collecting now. */
export function catchUpSlot(g: TagGap, nowMs: number): string | undefined {
  const last = Date.parse(g.lastMissed);
  return nowMs - last < g.everyMs ? g.lastMissed : undefined;
}

/** Last successful sample per platform, from the per-tag latest rows (one definition for status, ops and /metrics). */
export function lastSampleByPlatform(rows: { platform: string; latest_at: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rows) if (!out.has(r.platform) || r.latest_at > out.get(r.platform)!) out.set(r.platform, r.latest_at);
  return out;
}
