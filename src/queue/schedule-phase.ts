/**
 * When a tag's scheduled slots fall: each tag gets a fixed phase within its cadence (from a hash of platform and tag),
 * so 2,000 hourly tags do not all fire at :00, and each slot keeps one identity across restarts. Kept in queue/ (below
 * services/ and workers/) because the scheduler plans with it and the queue-gap check in services/ recomputes it.
 */
import { createHash } from 'node:crypto';

/** The tag's phase within its cadence: 1 s … cadence − 1 s, whole seconds, from a hash (never 0: BullMQ reads 0 as "none"). */
export function phaseMs(platform: string, tag: string, everyMs: number): number {
  const seconds = Math.floor(everyMs / 1000);
  if (seconds < 2) return 0;
  const h = createHash('sha256').update(`${platform}\0${tag}`).digest().readUInt32BE(0);
  return (1 + (h % (seconds - 1))) * 1000;
}

/** The planned slots of a tag between fromMs (inclusive) and toMs (exclusive). */
export function plannedSlots(platform: string, tag: string, everyMs: number, fromMs: number, toMs: number): number[] {
  const phase = phaseMs(platform, tag, everyMs);
  const out: number[] = [];
  let t = Math.ceil((fromMs - phase) / everyMs) * everyMs + phase;
  for (; t < toMs; t += everyMs) out.push(t);
  return out;
}

