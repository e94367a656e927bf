/**
 * When a tag's scheduled slots fall: each tag gets a fixed phase within its cadence (from a hash of platform and tag),
 * so 2,000 hourly tags do not all fire at :00, and each slot keeps one identity across restarts. Kept in queue/ (below
 * services/ and workers/) because the scheduler plans with it and the queue-gap check in services/ recomputes it.
 */
import { createHash } from 'node:crypto';
import { safeJobId } from '../schema/jobs.ts';

/** The tag's phase within its cadence: 1 s … cadence − 1 s, whole seconds, from a hash (never 0: BullMQ reads 0 as "none"). */
export function phaseMs(platform: string, tag: string, everyMs: number): number {
  const seconds = Math.floor(everyMs / 1000);
  if (seconds < 2) return 0;
  const h = createHash('sha256').update(`${platform}\0${tag}`).digest().readUInt32BE(0);
  return (1 + (h % (seconds - 1))) * 1000;
}

/** The planned slots of a tag between fromMs (inclusive) and toMs (exclusive); without a grouping, the per-tag phase. */
export function plannedSlots(platform: string, tag: string, everyMs: number, fromMs: number, toMs: number, grouping?: Grouping): number[] {
  const phase = tagPhaseMs(platform, tag, everyMs, grouping);
  const out: number[] = [];
  let t = Math.ceil((fromMs - phase) / everyMs) * everyMs + phase;
  for (; t < toMs; t += everyMs) out.push(t);
  return out;
}


/**
 * Grouped scheduling (issue 15, write path): how tags are put into collect jobs. `maxTags` 1 keeps one scheduler per
 * tag with its own phase (above); otherwise a cadence is split into phase buckets `phaseStepMs` apart, each tag falls
 * in one bucket by a hash of (platform, tag), and the tags of one (platform, cadence, bucket) are split into groups of
 * at most maxTags, each with its own job scheduler. A tag's slots depend only on its bucket, never on which other tags
 * are tracked, so adding or removing a tag never moves another tag's slots (it may move tags between groups of the
 * same bucket, which share their slots).
 */
export interface Grouping {
  maxTags: number;
  phaseStepMs: number;
}

/** The phase of a tag's bucket: 1 s + k × step (whole seconds, never 0), k from a hash, below the cadence. */
export function bucketPhaseMs(platform: string, tag: string, everyMs: number, phaseStepMs: number): number {
  const seconds = Math.floor(everyMs / 1000);
  if (seconds < 2) return 0;
  const step = Math.max(1, Math.floor(phaseStepMs / 1000));
  const buckets = Math.floor((seconds - 2) / step) + 1;
  const h = createHash('sha256').update(`${platform}\0${tag}`).digest().readUInt32BE(0);
  return (1 + (h % buckets) * step) * 1000;
}

/** A tag's phase under a grouping (per-tag phase when maxTags is 1). */
export function tagPhaseMs(platform: string, tag: string, everyMs: number, grouping?: Grouping): number {
  return !grouping || grouping.maxTags <= 1 ? phaseMs(platform, tag, everyMs) : bucketPhaseMs(platform, tag, everyMs, grouping.phaseStepMs);
}

export interface PlannedScheduler {
  /** Job scheduler id: `sched-<platform>-<tag>` (one tag) or `group-<platform>-<everyMs>-<phaseMs>-<k>`. */
  id: string;
  platform: string;
  everyMs: number;
  offsetMs: number;
  /** One tag: a single-tag job (`tag`); several (grouped mode, even when a group holds one tag): `tags`. */
  tags: string[];
  grouped: boolean;
}

/** The job schedulers for these tags: deterministic in the set of tags (sorted, then split into balanced groups). */
export function planSchedulers(tags: { platform: string; tag: string; everyMs: number }[], grouping: Grouping): PlannedScheduler[] {
  if (grouping.maxTags <= 1) {
    return tags.map((t) => ({ id: safeJobId('sched', t.platform, t.tag), platform: t.platform, everyMs: t.everyMs, offsetMs: phaseMs(t.platform, t.tag, t.everyMs), tags: [t.tag], grouped: false }));
  }
  const buckets = new Map<string, { platform: string; everyMs: number; offsetMs: number; tags: string[] }>();
  for (const t of tags) {
    const offsetMs = bucketPhaseMs(t.platform, t.tag, t.everyMs, grouping.phaseStepMs);
    const key = `${t.platform}\0${t.everyMs}\0${offsetMs}`;
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { platform: t.platform, everyMs: t.everyMs, offsetMs, tags: [] }));
    b.tags.push(t.tag);
  }
  const out: PlannedScheduler[] = [];
  for (const b of buckets.values()) {
    const sorted = [...new Set(b.tags)].sort();
    const groups = Math.ceil(sorted.length / grouping.maxTags);
    for (let k = 0; k < groups; k++) {
      const part = sorted.slice(Math.floor((k * sorted.length) / groups), Math.floor(((k + 1) * sorted.length) / groups));
      out.push({ id: safeJobId('group', b.platform, String(b.everyMs), String(b.offsetMs), String(k)), platform: b.platform, everyMs: b.everyMs, offsetMs: b.offsetMs, tags: part, grouped: true });
    }
  }
  return out;
}
