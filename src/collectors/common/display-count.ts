/**
 * Display figures: the abbreviated counts platforms show to people ("16.4B", "737.5k", "1,234").
 *
 * A display figure is not an exact count, so parsing one yields the value it stands for *and* the rounding step it
 * was shown with ("16.4B" → 16400000000 ± 50000000, i.e. step 100000000). All arithmetic is BigInt: floating point
 * would turn "16.4B" into 16399999999.999998 and silently corrupt a count.
 */
import { UINT64_MAX } from '../../schema/count.ts';

export interface DisplayCount {
  /** The count the figure stands for, as a canonical decimal string. */
  value: string;
  /** Rounding step of the figure; "0" for a plain integer, which is exact. */
  step: string;
  precision: 'exact' | 'rounded';
}

/** Powers of ten of the unit suffixes. Lowercase forms are accepted too: old TikTok shareMeta wrote "37099.0m" for millions. */
const UNIT_EXPONENT: Readonly<Record<string, number>> = { '': 0, K: 3, M: 6, B: 9, T: 12 };

/** Display units from the largest down, as used to abbreviate a count. */
const UNITS = [
  { letter: 'T', size: 10n ** 12n },
  { letter: 'B', size: 10n ** 9n },
  { letter: 'M', size: 10n ** 6n },
  { letter: 'K', size: 10n ** 3n },
] as const;

/** Platforms show at most one decimal; three still make sense ("1.234K"), more means this is not a display figure. */
const MAX_DECIMALS = 3;

/** Far longer than any figure (20 digits plus separators); anything longer is refused before doing regex work on it. */
const MAX_TEXT_LENGTH = 64;

/** Digits, grouped in thousands by commas or spaces or not at all ("1,234", "12 345"), an optional fraction and unit. */
const DISPLAY_FIGURE = /^\s*(\d+|\d{1,3}(?:[,\s]\d{3})+)(?:\.(\d+))?\s*([KMBT]?)\s*$/i;

/**
 * Parse a display figure. Commas and spaces (including no-break spaces) are thousands separators, accepted only
 * between groups of three digits, so a decimal comma ("1,5K") or two numbers ("1 16") are refused rather than read as
 * 15000 or 116; the rest must be digits, an optional fraction and an optional K/M/B/T suffix (any case). A plain
 * integer is exact; a figure with a suffix is rounded to its last shown digit. Returns null for anything else,
 * including negatives, fractions without a suffix ("1.5" is not a count), more than three decimals and values above
 * UInt64.
 */
export function parseDisplayCount(text: string): DisplayCount | null {
  if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH) return null;
  const match = DISPLAY_FIGURE.exec(text);
  if (!match) return null;
  const [, grouped = '', decimals = '', suffix = ''] = match;
  const whole = grouped.replace(/[,\s]/g, '');
  const unitExponent = UNIT_EXPONENT[suffix.toUpperCase()] ?? 0;
  if (decimals.length > MAX_DECIMALS || (decimals !== '' && suffix === '')) return null;

  const stepExponent = BigInt(unitExponent - decimals.length);
  const value = BigInt(whole + decimals) * 10n ** stepExponent;
  if (value > UINT64_MAX) return null;
  if (suffix === '') return { value: value.toString(), step: '0', precision: 'exact' };
  return { value: value.toString(), step: (10n ** stepExponent).toString(), precision: 'rounded' };
}

/**
 * The rounding step of a count TikTok sent pre-rounded (challengeInfo.stats): those numbers are the display figure
 * expanded, with one decimal of K/M/B/T (124500000000 = "124.5B" → step 100000000). Below 1000 the figure has no
 * suffix; the step is then 1, and the caller still labels the value rounded because `stats` is not an exact source.
 * `n` must be non-negative.
 */
export function roundedStepForNumber(n: bigint): string {
  const unit = UNITS.find((u) => n >= u.size);
  return unit ? (unit.size / 10n).toString() : '1';
}

/**
 * Round a count the way TikTok's display does: one decimal of its K/M/B/T unit, half up. A value that rounds up
 * into the next unit (999950 → 1000000) is returned as such, so `roundedStepForNumber` of the result is the step it
 * was rounded with (or coarser), and |n − result| ≤ step/2 always holds.
 */
export function roundForDisplay(n: bigint): bigint {
  const unit = UNITS.find((u) => n >= u.size);
  if (!unit) return n;
  const step = unit.size / 10n;
  return ((n + step / 2n) / step) * step;
}

/** Format a count as TikTok displays it: "16.4B", "16B" (a zero decimal is dropped), "124.5K", "999". */
export function formatDisplayCount(n: bigint): string {
  const rounded = roundForDisplay(n);
  const unit = UNITS.find((u) => rounded >= u.size);
  if (!unit) return rounded.toString();
  const whole = rounded / unit.size;
  const tenths = (rounded % unit.size) / (unit.size / 10n);
  return `${whole}${tenths === 0n ? '' : `.${tenths}`}${unit.letter}`;
}

/**
 * The rounding step a number itself shows: the largest power of ten that divides it (its trailing zeros). This is the
 * coarsest step consistent with the digits sent: 9833 can only have been rounded to 1, and 6040500000000 to at most
 * 1e8, whatever its size suggests. Zero has no digits to judge by: step 1.
 */
export function stepFromDigits(n: bigint): string {
  if (n <= 0n) return '1';
  let step = 1n;
  while (n % (step * 10n) === 0n) step *= 10n;
  return step.toString();
}

/** Integer maxima a count gets clamped to by a platform storing it in a fixed-width field: 2^31−1, 2^32−1, 2^53−1. */
export const INTEGER_CAPS: readonly bigint[] = [2n ** 31n - 1n, 2n ** 32n - 1n, 2n ** 53n - 1n];

/** Is this count exactly at a known integer cap (so the true count may be larger)? */
export function isIntegerCap(value: string): boolean {
  return /^\d{1,20}$/.test(value) && INTEGER_CAPS.includes(BigInt(value));
}

/** A value with its precision, as parsers hand them to readings. */
export interface CountReading {
  value: string;
  precision: 'exact' | 'rounded' | 'lower_bound';
  step: string;
}

/**
 * A count read from an integer field, with the display figure sent next to it (if any). A value at an integer cap is
 * only a lower bound; the display figure replaces it when it says more, i.e. when even its low end (value − step/2)
 * is above the cap ("3.4B" beside 2147483647). "2.1B" beside 2147483647 says no more than the cap itself.
 */
export function capAware(read: CountReading, display?: DisplayCount | null): { reading: CountReading; fromDisplay: boolean } {
  if (!isIntegerCap(read.value)) return { reading: read, fromDisplay: false };
  if (display && display.precision === 'rounded' && 2n * BigInt(display.value) - BigInt(display.step) > 2n * BigInt(read.value)) {
    return { reading: { value: display.value, precision: 'rounded', step: display.step }, fromDisplay: true };
  }
  return { reading: { value: read.value, precision: 'lower_bound', step: '0' }, fromDisplay: false };
}
