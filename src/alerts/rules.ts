/**
 * Alert rules on analytics reports (pure). A rule reads the same numbers as `tagpulse report`, so an alert can
 * always be checked against the report of the same series as of the same sample.
 *
 * Episodes: a threshold rule (velocity, growthPct, zScore, breakout) fires once per episode, i.e. per run of
 * evaluations where its condition holds. The episode continues when the condition also held as of the sample
 * evaluated before this load (re-computed from the stored series, so restarts keep episodes); otherwise a new one
 * starts, keyed by the time of the sample that opened it. A change-point rule fires once per change point, keyed by
 * its time.
 */
import type { Report } from '../analytics/report.ts';
import type { AlertRule } from '../schema/alerts.ts';

export interface SeriesKey {
  platform: string;
  tag: string;
  metric: string;
}

export const seriesId = (k: SeriesKey) => `${k.platform}|${k.tag}|${k.metric}`;

/** Two change points closer than this are one regime change (PELT boundaries shift as data arrive). */
export const CHANGE_POINT_TOLERANCE_MS = 24 * 3_600_000;

export function ruleApplies(rule: AlertRule, key: SeriesKey): boolean {
  return (!rule.platform || rule.platform === key.platform) && (!rule.metric || rule.metric === key.metric) && (!rule.tags || rule.tags.includes(key.tag));
}

export interface RuleSignal {
  /** Numbers behind the decision (sent in the payload). */
  values: Record<string, unknown>;
  /** Set for one-off signals (change points): the episode is this key. */
  episodeKey?: string;
}

const latestValues = (r: Report) => ({ latestValue: r.latest?.value ?? null, observedAt: r.latest?.observedAt ?? null });

/**
 * The rule's signal as of the report, or null when its condition does not hold (or cannot be decided: unknown
 * numbers never fire). `previous` is the report as of the sample evaluated before, for change points.
 */
export function evaluateRule(rule: AlertRule, report: Report, previous: () => Report | null): RuleSignal | null {
  switch (rule.kind) {
    case 'velocity':
    case 'growthPct': {
      const w = report.windows.find((x) => x.window === rule.window);
      const v = rule.kind === 'velocity' ? w?.velocityPerHour : w?.growthPct;
      if (w === undefined || v === null || v === undefined || v < rule.threshold) return null;
      return {
        values: {
          window: w.window,
          threshold: rule.threshold,
          velocityPerHour: w.velocityPerHour,
          velocityPerHourLow: w.velocityPerHourLow,
          velocityPerHourHigh: w.velocityPerHourHigh,
          growthPct: w.growthPct,
          delta: w.delta,
          from: w.from,
          to: w.to,
          ...latestValues(report),
        },
      };
    }
    case 'zScore':
      if (report.zScore === null || report.zScore < rule.threshold) return null;
      return { values: { threshold: rule.threshold, zScore: report.zScore, ...window24(report), ...latestValues(report) } };
    case 'breakout':
      if (report.breakout !== true) return null;
      return { values: { zScore: report.zScore, breakout: true, ...window24(report), ...latestValues(report) } };
    case 'changePoint': {
      const cp = newChangePoint(report, previous());
      if (!cp) return null;
      return { values: { changePoint: cp, ...latestValues(report) }, episodeKey: `changepoint:${cp.at}` };
    }
  }
}

function window24(r: Report) {
  const w = r.windows.find((x) => x.window === '24h');
  return { velocityPerHour24h: w?.velocityPerHour ?? null, growthPct24h: w?.growthPct ?? null };
}

/** The latest change point later than every change point known before (beyond the tolerance), if any. */
export function newChangePoint(now: Report, before: Report | null): Report['changePoints'][number] | null {
  const last = now.changePoints.at(-1);
  if (!last) return null;
  const knownMs = Math.max(-Infinity, ...(before?.changePoints ?? []).map((c) => Date.parse(c.at)));
  return Date.parse(last.at) > knownMs + CHANGE_POINT_TOLERANCE_MS ? last : null;
}

/** The stored state of the latest episode of one rule and series. */
export interface EpisodeState {
  windowKey: string;
}

/**
 * Whether a signal opens a new episode (fire) or belongs to the current one (stay quiet), and its key.
 * `heldBefore`: the condition also held as of the previously evaluated sample.
 */
export function decideEpisode(signal: RuleSignal, heldBefore: boolean, latest: EpisodeState | undefined, observedAt: string): { fire: boolean; windowKey: string } {
  if (heldBefore && latest && !signal.episodeKey) return { fire: false, windowKey: latest.windowKey };
  const windowKey = signal.episodeKey ?? `from:${observedAt}`;
  // The same episode seen again (a re-delivered load of the same samples) is not a new one.
  return { fire: latest?.windowKey !== windowKey, windowKey };
}
