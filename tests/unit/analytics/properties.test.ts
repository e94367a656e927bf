/**
 * Property tests with a tiny seeded generator (200 cases each): monotone input never yields negative velocity,
 * and the report does not depend on the input order.
 */
import { describe, expect, it } from 'vitest';
import { cleanSeries, computeReport, rebin, windowVelocity } from '../../../src/analytics/index.ts';
import type { Precision, SeriesPoint } from '../../../src/analytics/index.ts';
import { DAY, HOUR, T0, displayRound, randInt, rng, shuffle } from './helpers.ts';

const CASES = 200;
const OPTS = { platform: 'tiktok', tag: 'prop', metric: 'views' };

/** A random monotone counter, irregularly sampled, with mixed precision, duplicates and occasional huge values. */
function genMonotone(r: () => number): SeriesPoint[] {
  const n = randInt(r, 0, 60);
  let t = T0 + randInt(r, 0, 24 * 365) * HOUR;
  const magnitude = randInt(r, 0, 12);
  let c = r() < 0.1 ? 2n ** 60n + BigInt(randInt(r, 0, 1e9)) : BigInt(Math.floor(r() * 10 ** magnitude));
  const rate = r() < 0.2 ? 0 : r() * 10 ** randInt(r, 0, 9); // per hour
  const out: SeriesPoint[] = [];
  for (let i = 0; i < n; i++) {
    const dt = r() < 0.1 ? 0 : Math.floor((r() < 0.1 ? 30 : 3) * r() * HOUR);
    t += dt;
    if (r() > 0.2) c += BigInt(Math.floor(rate * (dt / HOUR) * 2 * r()));
    if (r() < 0.05) c += BigInt(Math.floor(r() * 1e9)); // a jump (still monotone)
    const u = r();
    let value = c;
    let step = 0n;
    let precision: Precision = 'exact';
    if (u < 0.3) {
      ({ value, step } = displayRound(Number(c)));
      precision = step === 0n ? 'exact' : 'rounded';
      if (step === 0n) value = c;
    } else if (u < 0.38) {
      precision = 'lower_bound';
      value = c / 2n;
    }
    const p: SeriesPoint = { t, value, precision, step };
    out.push(r() < 0.3 ? { ...p, source: `src${randInt(r, 0, 2)}` } : p);
  }
  return out;
}

describe('properties', () => {
  // issue 11 changed what this pins: a sudden persistent jump up is now a revision (a level shift up), and drops within
  // the rounding step are kept as motion (a shrinking counter must be able to shrink), so the adjusted series of a
  // monotone counter with mixed exact/rounded readings may dip by less than a step and a lower velocity bound may be
  // negative. What must still hold: no downward revision, no dip beyond the rounding step, point velocities ≥ 0.
  it(`a monotone series never gives a negative velocity or a downward revision (${CASES} cases)`, () => {
    const r = rng(20240910);
    for (let k = 0; k < CASES; k++) {
      const pts = genMonotone(r);
      const clean = cleanSeries(pts);
      for (const rev of clean.revisions) expect(BigInt(rev.to) > BigInt(rev.from)).toBe(true);
      const s = clean.adjusted;
      for (let i = 1; i < s.length; i++) expect(s[i]!.value + (s[i]!.step > s[i - 1]!.step ? s[i]!.step : s[i - 1]!.step) >= s[i - 1]!.value).toBe(true);
      const rep = computeReport(pts, OPTS);
      for (const w of rep.windows) {
        if (w.velocityPerHour !== null) expect(w.velocityPerHour).toBeGreaterThanOrEqual(0);
        if (w.velocityPerHour !== null) {
          expect(w.velocityPerHourLow!).toBeLessThanOrEqual(w.velocityPerHour);
          expect(w.velocityPerHourHigh!).toBeGreaterThanOrEqual(w.velocityPerHour);
        }
      }
      for (const c of rep.changePoints) {
        expect(c.before).toBeGreaterThanOrEqual(0);
        expect(c.after).toBeGreaterThanOrEqual(0);
      }
      if (s.length >= 2) {
        const first = s[0]!.t;
        const last = s[s.length - 1]!.t;
        const step = Math.max(60_000, Math.floor((last - first) / randInt(r, 1, 50)));
        const exact = s.every((p) => p.step === 0n);
        for (const b of rebin(s, first - step, last + step, step)) if (b.increment !== null && exact) expect(b.increment).toBeGreaterThanOrEqual(0);
        for (let j = 0; j < 5; j++) {
          const to = first + r() * (last - first);
          const w = windowVelocity(s, { to, windowMs: r() * (to - first) + 1 });
          if (w !== null && exact) expect(w.velocityPerHourLow).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it(`shuffling the input order changes nothing in the report (${CASES} cases)`, () => {
    const r = rng(777);
    for (let k = 0; k < CASES; k++) {
      const pts = genMonotone(r);
      // add non-monotone trouble too: zeros, dips and a persistent drop
      if (pts.length > 5 && r() < 0.5) {
        const i = randInt(r, 1, pts.length - 1);
        pts.push({ ...pts[i]!, value: 0n, t: pts[i]!.t + 1 });
        const j = randInt(r, 1, pts.length - 1);
        pts.push({ ...pts[j]!, value: pts[j]!.value / 3n, t: pts[j]!.t + 2 });
      }
      const at = r() < 0.3 && pts.length > 0 ? pts[randInt(r, 0, pts.length - 1)]!.t : undefined;
      const a = computeReport(pts, { ...OPTS, at });
      const b = computeReport(shuffle(pts, r), { ...OPTS, at });
      expect(b).toStrictEqual(a);
    }
  });

  it('a long smooth series (two months, irregular) gives a report over every point', () => {
    const r = rng(3);
    const pts: SeriesPoint[] = [];
    let t = T0;
    for (let i = 0; i < 60 * 24; i++) {
      t += Math.floor((0.5 + r()) * HOUR);
      pts.push({ t, value: BigInt(Math.round(1e9 * Math.exp(((t - T0) / DAY) * 0.05))), precision: 'exact', step: 0n });
    }
    // Bounded work on a long series: the test's own timeout is the guard; speed is measured by npm run bench.
    const report = computeReport(pts, OPTS);
    expect(report.points).toBe(pts.length);
  });
});
