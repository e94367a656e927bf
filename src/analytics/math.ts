/**
 * Small numeric helpers used by the analytics layer (no dependencies, no I/O).
 */

/** Milliseconds per hour. */
export const MS_PER_HOUR = 3_600_000;
/** Milliseconds per day. */
export const MS_PER_DAY = 86_400_000;

/** Epoch milliseconds → ISO-8601 UTC string. */
export function toIso(t: number): string {
  return new Date(t).toISOString();
}

/** Larger of two bigints. */
export function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Smaller of two bigints. */
export function bigMin(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/**
 * k-th smallest element (0-based) of `a`, found in place with Hoare-style quickselect (median-of-three pivot).
 * Average O(n). Mutates the order of `a`: afterwards a[k] holds that element, every element before it is ≤ it and every
 * element after it ≥ it (by `<`). So a later rank can be looked for between two ranks already selected: `from`..`to`
 * (default the whole array) must hold rank k, with everything before `from` ≤ and everything after `to` ≥ it.
 */
export function quickselect(a: Float64Array, k: number, from = 0, to = a.length - 1): number {
  let lo = from;
  let hi = to;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // median-of-three pivot
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const tmp = a[i]!;
        a[i] = a[j]!;
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Median of a Float64Array (mutates order). For even n the mean of the two middle values. NaN when empty.
 */
export function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return Number.NaN;
  const hiMid = quickselect(a, n >> 1);
  if (n % 2 === 1) return hiMid;
  // the lower middle is the max of the left partition
  let loMid = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i]! > loMid) loMid = a[i]!;
  return (loMid + hiMid) / 2;
}

/** Median of numbers (does not mutate). NaN when empty. */
export function median(xs: readonly number[]): number {
  return medianInPlace(Float64Array.from(xs));
}

/** Median absolute deviation around `center` (default: the median). Unscaled. NaN when empty. */
export function mad(xs: readonly number[], center: number = median(xs)): number {
  return median(xs.map((x) => Math.abs(x - center)));
}

/** Arithmetic mean. NaN when empty. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/**
 * Quantile of an ascending-sorted array with linear interpolation between order statistics
 * (Hyndman & Fan 1996 type 7, the R/NumPy default). NaN when empty.
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Deterministic 32-bit PRNG "mulberry32" (Tommy Ettinger, public domain). Returns floats in [0, 1).
 * Used for reproducible bootstrap resampling: the same seed gives the same sequence on every platform.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Round a finite float to the nearest bigint (half away from zero is not needed: counts are ≥ 0). */
export function roundToBigInt(x: number): bigint {
  return BigInt(Math.round(x));
}

/** Deterministic, evenly spaced subsample of indices 0..n-1 of size m (m ≥ 2), always keeping both ends. */
export function evenIndices(n: number, m: number): number[] {
  if (m >= n) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < m; k++) out.push(Math.round((k * (n - 1)) / (m - 1)));
  return out;
}

/** First index of the sorted s[0..c) whose value is not below x. */
export function lowerBound(s: Float64Array, c: number, x: number): number {
  let lo = 0;
  let hi = c;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Insert x into the sorted s[0..c) (before the values equal to it). */
export function sortedInsert(s: Float64Array, c: number, x: number): void {
  const lo = lowerBound(s, c, x);
  // shift by hand: a window is a few dozen numbers, where a copyWithin call costs more than the moves
  for (let q = c; q > lo; q--) s[q] = s[q - 1]!;
  s[lo] = x;
}

/** Remove one x (present) from the sorted s[0..c). */
export function sortedRemove(s: Float64Array, c: number, x: number): void {
  for (let q = lowerBound(s, c, x); q < c - 1; q++) s[q] = s[q + 1]!;
}
