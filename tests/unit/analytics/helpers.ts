/**
 * Synthetic series with known truth for the analytics tests. Independent of src/analytics (own PRNG, own
 * rounding), so the tests compare against independently computed reference values.
 */
import type { SeriesPoint } from '../../../src/analytics/types.ts';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** A fixed, arbitrary start time: 2025-03-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 2, 1);

/** Tiny seeded PRNG (xorshift32), floats in [0, 1). */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

/** Integer in [lo, hi]. */
export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

/** Standard normal via Box–Muller. */
export function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  const v = r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Irregular sample times in [start, end]: Δt uniform in [minDt, maxDt], both ends included. */
export function irregularTimes(r: () => number, start: number, end: number, minDt: number, maxDt: number): number[] {
  const out = [start];
  let t = start;
  for (;;) {
    t += minDt + r() * (maxDt - minDt);
    if (t >= end) break;
    out.push(Math.round(t));
  }
  out.push(end);
  return out;
}

/** Regular sample times. */
export function regularTimes(start: number, end: number, dt: number): number[] {
  const out: number[] = [];
  for (let t = start; t <= end; t += dt) out.push(t);
  return out;
}

/** Display rounding to one decimal of K/M/B ("16.4B"), round half up: returns the displayed value and its step. */
export function displayRound(x: number): { value: bigint; step: bigint } {
  const unit = x >= 1e9 ? 1e9 : x >= 1e6 ? 1e6 : x >= 1e3 ? 1e3 : 1;
  if (unit === 1) return { value: BigInt(Math.round(x)), step: 0n };
  const step = unit / 10;
  return { value: BigInt(Math.floor(x / step + 0.5)) * BigInt(step), step: BigInt(step) };
}

/** Exact samples of a counter function. */
export function exactPoints(f: (t: number) => number, times: readonly number[]): SeriesPoint[] {
  return times.map((t) => ({ t, value: BigInt(Math.round(f(t))), precision: 'exact', step: 0n }));
}

/** Display-rounded samples of a counter function. */
export function roundedPoints(f: (t: number) => number, times: readonly number[]): SeriesPoint[] {
  return times.map((t) => {
    const { value, step } = displayRound(f(t));
    return { t, value, precision: step === 0n ? 'exact' : 'rounded', step };
  });
}

/** Fisher–Yates shuffle with the given PRNG (returns a copy). */
export function shuffle<T>(xs: readonly T[], r: () => number): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
