/**
 * The seeded process behind the truth suite: a counter with a known velocity v(t) (per hour), integrated exactly
 * (closed form or fine steps), sampled on regular, irregular or bursty times, optionally with hourly noise on the
 * increments, display rounding (one decimal of K/M/B), gaps, glitch zeros and persistent revisions. Every case knows
 * its answer. Independent of src/analytics: own PRNG, own rounding, own integration.
 */
import type { SeriesPoint } from '../../src/analytics/types.ts';

export const MIN = 60_000;
// The same seeded PRNG and times as the analytics unit tests (one copy; both stay independent of src/analytics).
export { HOUR, DAY, T0, rng } from '../unit/analytics/helpers.ts';
import { HOUR, DAY, T0, rng } from '../unit/analytics/helpers.ts';

export function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
}

/** Sample times: regular every `every`, irregular with Δt uniform in [lo, hi], plus optional bursts. */
export function sampleTimes(o: {
  from: number;
  to: number;
  every?: number;
  irregular?: [number, number];
  seed?: number;
  /** Bursts: `count` samples every `spacing` ms starting at each of `at`. */
  bursts?: { at: number[]; count: number; spacing: number };
}): number[] {
  const r = rng(o.seed ?? 1);
  const out: number[] = [];
  if (o.irregular) {
    const [lo, hi] = o.irregular;
    for (let t = o.from; t <= o.to; t += Math.round(lo + r() * (hi - lo))) out.push(t);
  } else for (let t = o.from; t <= o.to; t += o.every ?? HOUR) out.push(t);
  if (o.bursts) for (const a of o.bursts.at) for (let i = 1; i <= o.bursts.count; i++) out.push(a + i * o.bursts.spacing);
  return [...new Set(out)].filter((t) => t <= o.to).sort((a, b) => a - b);
}

/** A counter with known velocity: C(t) = c0 + ∫ v, integrated on a 1-minute grid (exact for piecewise-constant v). */
export class Counter {
  private readonly grid: Float64Array;
  constructor(
    readonly from: number,
    readonly to: number,
    readonly c0: number,
    readonly v: (t: number) => number,
    /** Multiplicative noise per hour on the increments (lognormal σ), seeded. */
    noise = 0,
    seed = 1,
  ) {
    const n = Math.ceil((to - from) / MIN) + 1;
    this.grid = new Float64Array(n);
    const r = rng(seed);
    let hourFactor = 1;
    let c = c0;
    for (let i = 0; i < n; i++) {
      const t = from + i * MIN;
      if (i % 60 === 0) hourFactor = noise > 0 ? Math.exp(noise * gauss(r) - (noise * noise) / 2) : 1;
      this.grid[i] = c;
      c += (v(t + MIN / 2) * hourFactor) / 60;
    }
  }
  /** True counter at t (linear inside a minute). */
  at(t: number): number {
    const x = (t - this.from) / MIN;
    const i = Math.max(0, Math.min(this.grid.length - 2, Math.floor(x)));
    return this.grid[i]! + (x - i) * (this.grid[i + 1]! - this.grid[i]!);
  }
  /** True mean velocity per hour over [a, b]. */
  velocity(a: number, b: number): number {
    return (this.at(b) - this.at(a)) / ((b - a) / HOUR);
  }
}

/** One decimal of K/M/B ("16.4B"): displayed value and step. */
export function kmb(x: number): { value: bigint; step: bigint } {
  const unit = x >= 1e9 ? 1e9 : x >= 1e6 ? 1e6 : x >= 1e3 ? 1e3 : 1;
  if (unit === 1) return { value: BigInt(Math.round(x)), step: 0n };
  const step = unit / 10;
  return { value: BigInt(Math.round(x / step)) * BigInt(step), step: BigInt(step) };
}

/** Readings of a value function at times: exact, or display-rounded. */
export function readings(f: (t: number) => number, times: readonly number[], rounded = false): SeriesPoint[] {
  return times.map((t) => {
    if (!rounded) return { t, value: BigInt(Math.round(f(t))), precision: 'exact' as const, step: 0n };
    const { value, step } = kmb(f(t));
    return { t, value, precision: step > 0n ? ('rounded' as const) : ('exact' as const), step };
  });
}

/** Replace a share of readings by glitch zeros (seeded). */
export function withZeros(points: readonly SeriesPoint[], share: number, seed: number): SeriesPoint[] {
  const r = rng(seed);
  return points.map((p, i) => (i > 0 && i < points.length - 1 && r() < share ? { ...p, value: 0n } : p));
}

/** Drop readings inside [a, b). */
export function withGap(points: readonly SeriesPoint[], a: number, b: number): SeriesPoint[] {
  return points.filter((p) => p.t < a || p.t >= b);
}

/** Relative error. */
export const rel = (x: number, truth: number) => Math.abs(x / truth - 1);
