/**
 * Capacity: can the schedule be met under each platform's rate limit? The schedule needs Σ 1/cadence requests per
 * unit of time per platform (one request per sample); the collect queue of a platform allows one request per
 * floor(window/max) ms (the limiter paces evenly, see collectors/common/limits.ts). When the need exceeds the limit,
 * jobs wait in the queue and every round of samples ends later than the one before: the lag grows without bound.
 * One code path for `track add`, `status` and the operations page.
 */
import type { Config } from '../config/config.ts';
import type { TrackedTag } from '../schema/tracked.ts';
import { collectLimitsFor } from '../collectors/common/limits.ts';
import { formatEvery } from '../schema/tracked.ts';

export interface PlatformCapacity {
  platform: string;
  tags: number;
  /** Requests per minute the schedule needs. */
  neededPerMin: number;
  /** Requests per minute the rate limit allows. */
  limitPerMin: number;
  /** needed / limit; above 1 the schedule cannot be met. */
  utilization: number;
  ok: boolean;
  /** Time to sample every tracked tag of the platform once at the limit. */
  roundMs: number;
  /** When not ok: how much later the samples are after one hour of running (grows linearly). */
  lagPerHourMs: number;
  /** One sentence for people. */
  message: string;
}

const MIN = 60_000;
const HOUR = 3_600_000;

function human(ms: number): string {
  if (ms < MIN) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 2 * HOUR) return `${Math.round(ms / MIN)} min`;
  return `${(ms / HOUR).toFixed(1)} h`;
}

export function computeCapacity(cfg: Config, tracked: Pick<TrackedTag, 'platform' | 'everyMs' | 'active'>[]): PlatformCapacity[] {
  const byPlatform = new Map<string, Pick<TrackedTag, 'platform' | 'everyMs' | 'active'>[]>();
  for (const t of tracked.filter((x) => x.active)) byPlatform.set(t.platform, [...(byPlatform.get(t.platform) ?? []), t]);
  const out: PlatformCapacity[] = [];
  for (const [platform, tags] of [...byPlatform].sort(([a], [b]) => a.localeCompare(b))) {
    const { limiter } = collectLimitsFor(cfg, platform);
    const limitPerMs = limiter.max / limiter.duration;
    const neededPerMs = tags.reduce((a, t) => a + 1 / t.everyMs, 0);
    const utilization = neededPerMs / limitPerMs;
    const ok = utilization <= 1;
    const roundMs = tags.length / limitPerMs;
    const lagPerHourMs = ok ? 0 : HOUR * (1 - 1 / utilization);
    const cadences = [...new Set(tags.map((t) => t.everyMs))].sort((a, b) => a - b).map(formatEvery).join('/');
    const neededPerMin = neededPerMs * MIN;
    const limitPerMin = limitPerMs * MIN;
    const message = ok
      ? `${platform}: ${tags.length} tag(s) every ${cadences} need ${neededPerMin.toFixed(1)} requests/min of the ${limitPerMin.toFixed(1)}/min allowed (${Math.round(utilization * 100)} %)`
      : `${platform}: the schedule cannot be met — ${tags.length} tag(s) every ${cadences} need ${neededPerMin.toFixed(1)} requests/min but the rate limit allows ${limitPerMin.toFixed(1)}/min; ` +
        `one round of all tags takes ${human(roundMs)}, so samples fall ${human(lagPerHourMs)} further behind every hour and queued jobs pile up. ` +
        `Track fewer tags, use a longer --every, or raise the limit (rateLimitMax/rateLimitDurationMs or platformLimits) if the platform tolerates it`;
    out.push({ platform, tags: tags.length, neededPerMin, limitPerMin, utilization, ok, roundMs, lagPerHourMs, message });
  }
  return out;
}
