/**
 * The one duration parser: "15s", "15m", "1h", "7d" (a whole number and a unit, spaces and case ignored) →
 * milliseconds. Callers say which units they accept (a cadence takes seconds, a report window does not) and keep
 * their own bounds and messages. Hand-written: the grammar is one regex, and the libraries for it (ms, parse-duration)
 * accept fractions, words and sums that our inputs must refuse.
 */
export const DURATION_UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
export type DurationUnit = keyof typeof DURATION_UNIT_MS;

const DURATION_RE = /^(\d+)\s*(ms|s|m|h|d)$/i;

/** Milliseconds, or undefined when the text is not a whole number followed by one of the accepted units. */
export function parseDuration(text: string, units: readonly DurationUnit[] = ['s', 'm', 'h', 'd']): number | undefined {
  const m = DURATION_RE.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2]!.toLowerCase() as DurationUnit;
  if (!units.includes(unit)) return undefined;
  const ms = Number(m[1]) * DURATION_UNIT_MS[unit];
  return Number.isSafeInteger(ms) ? ms : undefined;
}
