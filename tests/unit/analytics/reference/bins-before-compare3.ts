/**
 * binHourly, binReadings and binClean as they were before compare's bin fast paths (issue 15, figure 7d), verbatim
 * but for their imports: the reference of tests/unit/analytics/clean-equivalence.test.ts. The cleaning they call is the
 * reference cleaning kept beside them (itself equal to the current one, same test file).
 */
import type { CleanSeries, SeriesPoint } from '../../../../src/analytics/types.ts';
import { MS_PER_HOUR } from '../../../../src/analytics/math.ts';
import { binGapThresholdMs, type BinCleanOptions, type HourBin } from '../../../../src/analytics/metrics.ts';
import { cleanSeries, sortAndDedupe } from './clean-before-report.ts';

export function binHourly(points: readonly SeriesPoint[], atMs?: number): HourBin[] {
  const usable = sortAndDedupe(points).filter((p) => p.precision !== 'lower_bound' && p.value > 0n && (atMs === undefined || p.t <= atMs));
  const out: HourBin[] = [];
  for (const p of usable) {
    const start = Math.floor(p.t / MS_PER_HOUR) * MS_PER_HOUR;
    const b = out[out.length - 1];
    if (b !== undefined && b.start === start) {
      b.lastAt = p.t;
      b.last = p.value;
      b.lastStep = p.step;
    } else out.push({ start, firstAt: p.t, first: p.value, firstStep: p.step, lastAt: p.t, last: p.value, lastStep: p.step });
  }
  return out;
}

export function binReadings(bins: readonly HourBin[], atMs: number): SeriesPoint[] {
  const h = Math.floor(atMs / MS_PER_HOUR) * MS_PER_HOUR;
  const out: SeriesPoint[] = [];
  const push = (t: number, value: bigint, step: bigint) => out.push({ t, value, step, precision: step > 0n ? 'rounded' : 'exact' });
  for (const b of [...bins].sort((x, y) => x.start - y.start)) {
    if (b.start > h || b.firstAt > atMs) continue;
    push(b.firstAt, b.first, b.firstStep);
    if (b.start < h && b.lastAt > b.firstAt) push(b.lastAt, b.last, b.lastStep);
  }
  return out;
}

export function binClean(bins: readonly HourBin[], atMs: number, opts: BinCleanOptions = {}): CleanSeries {
  return cleanSeries(binReadings(bins, atMs), {
    gapThresholdMs: binGapThresholdMs(bins.filter((b) => b.firstAt <= atMs), opts.cadenceMs ?? 0),
    ...(opts.glitchMaxRunPoints !== undefined ? { glitchMaxRunPoints: opts.glitchMaxRunPoints } : {}),
    ...(opts.glitchMaxRunMs !== undefined ? { glitchMaxRunMs: opts.glitchMaxRunMs } : {}),
  });
}
