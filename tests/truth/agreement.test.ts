/**
 * Truth suite — finding 1: the overview, the report, the leaderboard entry and alerts read the same definitions. Fed
 * the same readings (bursty 15-second samples on top of 10-minute ones, the case where the overview and the report
 * used to disagree: 288 d vs 253 d), every shared field is identical, not merely close.
 */
import { describe, expect, it } from 'vitest';
import { binHourly } from '../../src/analytics/metrics.ts';
import { computeReport } from '../../src/analytics/report.ts';
import { summarizeBins } from '../../src/dashboard/overview.ts';
import { leaderboardEntry } from '../../src/services/leaderboard.ts';
import { evaluateRule } from '../../src/alerts/rules.ts';
import { Counter, DAY, HOUR, MIN, T0, readings, rng, sampleTimes } from './process.ts';

const OPTS = { platform: 'tiktok', tag: 'truth', metric: 'views' };

describe('truth: one number, one definition', () => {
  for (let seed = 1; seed <= 6; seed++) {
    it(`overview row = report = leaderboard entry on a bursty random series (seed ${seed})`, () => {
      const r = rng(seed);
      const end = T0 + 16 * DAY + Math.floor(r() * 60) * MIN;
      const Td = 2 + r() * 100;
      const c = new Counter(T0, end, 1e8 + r() * 1e10, (t) => 1e5 * Math.pow(2, (t - T0) / (Td * DAY)), 0.05, seed);
      const bursts = sampleTimes({ from: T0 + DAY, to: end, irregular: [6 * HOUR, 30 * HOUR], seed: seed + 50 });
      const times = sampleTimes({ from: T0, to: end, irregular: [2 * MIN, 25 * MIN], seed, bursts: { at: bursts, count: 40, spacing: 15_000 } });
      const pts = readings((t) => c.at(t), times);
      const at = end - Math.floor(r() * 50) * MIN;
      const report = computeReport(pts, { ...OPTS, at });
      const bins = binHourly(pts, at);
      const row = summarizeBins(bins, at);
      const entry = leaderboardEntry('truth', bins, { atMs: at, windowMs: DAY });
      const w24 = report.windows.find((w) => w.window === '24h')!;
      const w7 = report.windows.find((w) => w.window === '7d')!;
      expect(row).toEqual({
        asOf: report.asOf,
        velocity24h: w24.velocityPerHour,
        velocity24hLow: w24.velocityPerHourLow,
        velocity24hHigh: w24.velocityPerHourHigh,
        growth24hPct: w24.growthPct,
        growth24hPctLow: w24.growthPctLow,
        growth24hPctHigh: w24.growthPctHigh,
        velocity7d: w7.velocityPerHour,
        velocity7dLow: w7.velocityPerHourLow,
        velocity7dHigh: w7.velocityPerHourHigh,
        growth7dPct: w7.growthPct,
        growth7dPctLow: w7.growthPctLow,
        growth7dPctHigh: w7.growthPctHigh,
        doublingDays: report.counterDoublingDays,
        doublingDaysLow: report.counterDoublingDaysLow,
        doublingDaysHigh: report.counterDoublingDaysHigh,
        halvingDays: report.counterHalvingDays,
        zScore: report.zScore,
        breakout: report.breakout,
      });
      expect(row.velocity24h).not.toBeNull();
      expect(row.doublingDays).not.toBeNull();
      expect({ v: entry.velocityPerHour, g: entry.growthPct, d: entry.doublingDays, dl: entry.doublingDaysLow, dh: entry.doublingDaysHigh, z: entry.zScore, b: entry.breakout, to: entry.windowTo }).toEqual({
        v: w24.velocityPerHour,
        g: w24.growthPct,
        d: report.counterDoublingDays,
        dl: report.counterDoublingDaysLow,
        dh: report.counterDoublingDaysHigh,
        z: report.zScore,
        b: report.breakout,
        to: report.asOf,
      });
      // alerts evaluate rules on this same report object
      expect(evaluateRule({ name: 'v', kind: 'velocity', window: '24h', threshold: 0 } as never, report, () => null)?.values).toMatchObject({ velocityPerHour: w24.velocityPerHour });
    });
  }
});
