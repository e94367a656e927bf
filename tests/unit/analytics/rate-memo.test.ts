/**
 * Figure 7j (branch report5): a report's change points and lifecycle fit bin the same adjusted series, usually at the
 * same width, and now share its rate grid (`RateSeriesMemo`). Sharing must change nothing: `rateSeries` with the memo
 * equals it without, for any options and any order of calls; the fits with the memo equal the fits without; a memo of
 * another series is ignored. The bins are shared between calls that pick the same width (checked by identity, so the
 * test is not vacuous).
 */
import { describe, expect, it } from 'vitest';
import { RateSeriesMemo, rateSeries } from '../../../src/analytics/velocity.ts';
import { detectChangePoints } from '../../../src/analytics/changepoints.ts';
import { fitLifecycle } from '../../../src/analytics/lifecycle.ts';
import type { CounterPoint } from '../../../src/analytics/types.ts';
import { HOUR, T0, gauss, randInt, rng } from './helpers.ts';

function counter(r: () => number): CounterPoint[] {
  const hours = randInt(r, 2, 1500);
  const every = [1, 0.5, 2, 3, 24][randInt(r, 0, 4)]! * (0.8 + 0.4 * r());
  const step = r() < 0.3 ? BigInt(10 ** randInt(r, 1, 5)) : 0n;
  const rate = 10 ** (1 + 4 * r());
  const peak = hours * r();
  const out: CounterPoint[] = [];
  let c = 1e6 * r();
  let gapNext = false;
  for (let h = 0; h < hours; h += every * (0.5 + r())) {
    const x = (h - peak) / (5 + hours * 0.2 * r());
    c += rate * every * (0.2 + Math.exp(-x * x)) * Math.exp(0.4 * gauss(r));
    if (r() < 0.03) {
      gapNext = true;
      continue;
    }
    const value = step > 0n ? (BigInt(Math.round(c)) / step) * step : BigInt(Math.round(c));
    out.push({ t: T0 + Math.round(h * HOUR), value, step, ...(gapNext ? { gap: true } : {}) });
    gapNext = false;
  }
  return out;
}

describe('RateSeriesMemo: a shared rate grid gives the same rate series and the same fits', () => {
  it('rateSeries with the memo equals rateSeries without it, over mixed options and call orders (300 counters)', () => {
    const r = rng(7077);
    let shared = 0;
    for (let c = 0; c < 300; c++) {
      const s = counter(r);
      if (s.length < 2) continue;
      const memo = new RateSeriesMemo(s);
      const first = s[0]!.t;
      const last = s[s.length - 1]!.t;
      const calls = Array.from({ length: 6 }, () => ({
        from: r() < 0.7 ? first : first + (last - first) * r() * 0.5,
        to: r() < 0.7 ? last : last - (last - first) * r() * 0.3,
        opts: { baseBinMs: r() < 0.8 ? HOUR : 3 * HOUR, maxBins: [1000, 400, 60, 5][randInt(r, 0, 3)]!, ...(r() < 0.5 ? { minSteps: randInt(r, 1, 4) } : {}) },
      }));
      // the first two calls as a report makes them (same span, 1,000 and 400 bins), then the rest
      calls[0] = { from: first, to: last, opts: { baseBinMs: HOUR, maxBins: 1000, minSteps: 2 } };
      calls[1] = { from: first, to: last, opts: { baseBinMs: HOUR, maxBins: 400, minSteps: 2 } };
      const got = calls.map((k) => rateSeries(s, k.from, k.to, k.opts, memo));
      calls.forEach((k, i) => expect(got[i], `case ${c} call ${i}`).toEqual(rateSeries(s, k.from, k.to, k.opts)));
      if (got[0] && got[1] && got[0].binMs === got[1].binMs && got[0].bins.length > 0) {
        expect(got[1].bins).toBe(got[0].bins);
        shared++;
      }
      // a memo of another array (an equal copy) is not used
      expect(rateSeries([...s], first, last, calls[0]!.opts, memo)).toEqual(got[0]);
    }
    expect(shared, 'reports whose two fits share one grid').toBeGreaterThan(100);
  });

  it('change points and lifecycle fits with a shared memo equal those without (120 counters)', () => {
    const r = rng(7078);
    let changes = 0;
    for (let c = 0; c < 120; c++) {
      const s = counter(r);
      const rates = new RateSeriesMemo(s);
      const cp = detectChangePoints(s, { rates });
      expect(cp, `case ${c}`).toEqual(detectChangePoints(s));
      expect(fitLifecycle(s, { rates, bootstrapReplicates: 10 }), `case ${c}`).toEqual(fitLifecycle(s, { bootstrapReplicates: 10 }));
      if (cp.length) changes++;
    }
    expect(changes).toBeGreaterThan(10);
  });
});
