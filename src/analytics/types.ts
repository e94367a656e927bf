/**
 * Shared types of the analytics layer.
 *
 * Conventions used across `src/analytics/`:
 *  - counts (cumulative counters, deltas, saturation levels) stay `bigint` while computing and are emitted as
 *    decimal strings; they can exceed 2^53;
 *  - rates (velocities, growth rates, z-scores) are IEEE-754 floating point `number`s: they are ratios and are
 *    computed from exact bigint differences converted to `number` only at the last step;
 *  - times are epoch milliseconds (`number`) internally and ISO-8601 UTC strings in outputs.
 */

/** Precision of an observed counter value (mirrors `Precision` in `src/schema/observation.ts`). */
export type Precision = 'exact' | 'rounded' | 'lower_bound';

/** One sampled observation of a cumulative counter (views or posts of one hashtag). */
export interface SeriesPoint {
  /** Observation time, epoch milliseconds. */
  t: number;
  /** Observed counter value. */
  value: bigint;
  /** exact; rounded display figure (true value within ±step/2); lower_bound ("more than X"). */
  precision: Precision;
  /** Rounding step (e.g. 100000000n for "16.4B"), 0n when exact. */
  step: bigint;
  /** Optional origin of the value (parser path); used only as a last deterministic tie-breaker. */
  source?: string;
}

/** A point of a monotone counter series usable for velocity math (no glitches, no lower bounds). */
export interface CounterPoint {
  /** Epoch milliseconds, strictly increasing within a series. */
  readonly t: number;
  /** Counter value (monotone non-decreasing in an adjusted series). */
  readonly value: bigint;
  /** Rounding step of the underlying observation, 0n when exact. */
  readonly step: bigint;
  /**
   * True when the sampling interval that ends at this point is a gap (longer than the gap threshold of
   * `detectGaps`): nothing is interpolated across it (`counterAt` returns null strictly inside it).
   */
  readonly gap?: boolean;
}

/** A point of the adjusted series produced by `cleanSeries`. */
export interface AdjustedPoint extends CounterPoint {
  /** The raw observed value before adjustment. */
  readonly raw: bigint;
  readonly precision: 'exact' | 'rounded';
}

/** A sample treated as missing (not as a real value). */
export interface Glitch {
  /** ISO time of the sample. */
  at: string;
  /** Raw value, decimal string. */
  value: string;
  /**
   * 'zero': a zero (or negative) counter; 'dip': a drop beyond the rounding step that soon returns to trend;
   * 'spike': a jump beyond the rounding step that soon returns to trend.
   */
  reason: 'zero' | 'dip' | 'spike';
}

/** A persistent level shift (up or down) of the counter beyond the rounding step and the counter's own motion. */
export interface RevisionEvent {
  /** ISO time of the first sample at the new level. */
  at: string;
  /** Value of the sample before the shift, decimal string. */
  from: string;
  /** Value of the first sample after the shift, decimal string. */
  to: string;
}

/** A hole in the sampling (ISO times of the two samples around it). */
export interface Gap {
  from: string;
  to: string;
}

/** Output of `cleanSeries`. */
export interface CleanSeries {
  /** All input points (including lower bounds and glitches), sorted by time, one per timestamp. */
  raw: SeriesPoint[];
  /**
   * Glitch-free, lower-bound-free series for velocity math with every revision's level shift removed (earlier points
   * moved onto the latest level). Not forced to be monotone: a genuinely shrinking counter keeps its decline.
   */
  adjusted: AdjustedPoint[];
  glitches: Glitch[];
  revisions: RevisionEvent[];
  gaps: Gap[];
  /** Median interval between consecutive usable samples (ms), null with fewer than two usable samples. */
  medianIntervalMs: number | null;
}

/** A calendar event (awareness day/month or user event). Half-open interval [start, end). */
export interface CalendarEvent {
  name: string;
  slug: string;
  /** ISO UTC start (inclusive). */
  start: string;
  /** ISO UTC end (exclusive). */
  end: string;
}
