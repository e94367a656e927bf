/**
 * The one parser of times that people write: CLI flags, import files, API query parameters and config. It sits in
 * util/ (no imports but zod) so every layer can use it, and nothing in tagpulse reads a user's time with
 * `new Date(string)` or `Date.parse`, whose non-ISO forms depend on the machine's time zone and roll impossible
 * dates over ("2024-02-30" → 1 March, "1" → 2001).
 *
 * Accepted (zod's ISO 8601 checks, which refuse impossible calendar dates):
 *  - a date: `2024-09-10` (midnight UTC);
 *  - a date-time with `T`: `2024-09-10T12:00`, `2024-09-10T12:00:00`, `2024-09-10T12:00:00.123`, with `Z` or an offset
 *    (`+02:00`) or without a zone;
 *  - the same with a space instead of `T` (`2024-09-10 12:00:00`), as the README and the tracker TSV write it.
 * Times without a zone are UTC on every machine, whatever TZ says. Years are 1900–2299 (ClickHouse DateTime64's range):
 * `+275760-09-13T00:00:00Z` is refused with a message, never passed on to fail deeper down.
 */
import * as z from 'zod';

export const TIME_EXAMPLES = '2024-09-10, 2024-09-10T12:00:00Z or 2024-09-10 12:00:00 (UTC when no zone is given)';
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2299;

const isoDate = z.iso.date();
const isoDateTime = z.iso.datetime({ offset: true, local: true });

export type TimeParse = { ok: true; iso: string; ms: number } | { ok: false; message: string };

/** Why `s` is not a time, in words a user can act on (without the value: callers name the field and value). */
function refusal(s: string): string {
  if (s === '') return 'is empty: give a time, e.g. 2024-09-10T12:00:00Z';
  if (/^[+-]\d{5,}-/.test(s) || /^\d{5,}-/.test(s)) return `has a year outside ${MIN_YEAR}–${MAX_YEAR}: use a four-digit year, e.g. ${TIME_EXAMPLES}`;
  if (/^\d{4}-\d\d-\d\d([T ]|$)/.test(s)) return `is not a valid ISO 8601 time (no such date or time of day?): use ${TIME_EXAMPLES}`;
  if (/^\d+$/.test(s)) return `is a bare number, not a time: use ${TIME_EXAMPLES}`;
  return `is not an ISO 8601 time: use ${TIME_EXAMPLES}`;
}

/**
 * Parse a time as a user wrote it. Returns the UTC instant as ISO text with milliseconds
 * (`2024-09-10T12:00:00.000Z`) and as epoch milliseconds, or a message saying what is wrong and what to write.
 */
export function parseTime(input: string): TimeParse {
  // Files list many rows at one time (every tag at 12:00): the last answer is kept and reused for the same text.
  if (input === last.input) return last.result;
  const result = parseTimeUncached(input);
  last = { input, result };
  return result;
}

let last: { input: string | undefined; result: TimeParse } = { input: undefined, result: { ok: false, message: '' } };

function parseTimeUncached(input: string): TimeParse {
  const s = input.trim();
  let candidate: string;
  // Shape first: a failed zod parse builds an error object, which would cost more than the parse on big imports.
  if (/^\d{4}-\d\d-\d\d$/.test(s)) {
    if (!isoDate.safeParse(s).success) return { ok: false, message: refusal(s) };
    candidate = `${s}T00:00:00Z`;
  }
  else {
    // The documented space-separated form is the ISO form with a space for the T.
    const spaced = /^\d{4}-\d\d-\d\d \d/.test(s) ? `${s.slice(0, 10)}T${s.slice(11)}` : s;
    // HH:MM without seconds is ISO 8601 too; zod wants the seconds when a zone follows.
    const t = spaced.replace(/^(\d{4}-\d\d-\d\dT\d\d:\d\d)(?=Z$|[+-]\d\d:\d\d$)/, '$1:00');
    if (!isoDateTime.safeParse(t).success) return { ok: false, message: refusal(s) };
    candidate = /(Z|[+-]\d\d:\d\d)$/.test(t) ? t : `${t}Z`;
  }
  const ms = Date.parse(candidate); // an ISO string with a zone: read the same on every machine
  if (!Number.isFinite(ms)) return { ok: false, message: refusal(s) };
  const year = new Date(ms).getUTCFullYear();
  if (year < MIN_YEAR || year > MAX_YEAR) return { ok: false, message: `has a year outside ${MIN_YEAR}–${MAX_YEAR}: use ${TIME_EXAMPLES}` };
  return { ok: true, iso: new Date(ms).toISOString(), ms };
}

/** A time input error: a user's mistake (stable code, not retryable), shown as-is by the CLI and as a 400 by the API. */
export class TimeInputError extends Error {
  readonly code = 'TIME_INPUT';
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Parse or throw a TimeInputError naming the field: `--at "1" is a bare number, not a time: use …`. */
export function requireTime(input: string, what: string): string {
  const r = parseTime(input);
  if (!r.ok) throw new TimeInputError(`${what} ${JSON.stringify(input)} ${r.message}`);
  return r.iso;
}

/** Milliseconds of a time a user wrote, or a TimeInputError naming the field. */
export function requireTimeMs(input: string, what: string): number {
  return Date.parse(requireTime(input, what));
}

/** zod: a user-written time → ISO UTC text (`2024-09-10T00:00:00.000Z`); a bad one is an issue saying why. */
export const TimeInput = z
  .string()
  .trim()
  .transform((s, ctx) => {
    const r = parseTime(s);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} ${r.message}` });
      return z.NEVER;
    }
    return r.iso;
  });

/** `YYYY-MM-DDTHH:MM:SS.sssZ`, the shape toISOString writes for years 0000–9999. */
const CANONICAL_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d\d\dZ$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const digits = (s: string, from: number, n: number): number => {
  let v = 0;
  for (let i = from; i < from + n; i++) v = v * 10 + (s.charCodeAt(i) - 48);
  return v;
};

/**
 * An instant already read (ISO text with a zone, as stored rows and jobs carry it) as canonical UTC ISO text: exactly
 * `new Date(s).toISOString()`. Row identities and insert tokens spell every time this way, once per row on the
 * loader's hot path, where the Date round trip was most of their cost: text already in the canonical shape with every
 * field in range (a real calendar date, hours 00–23, minutes and seconds 00–59) is its own canonical form and is
 * returned as it is; anything else goes through Date (tests/unit/core/canonical-instant.test.ts proves the two equal).
 */
export function canonicalInstant(s: string): string {
  if (s.length === 24 && CANONICAL_INSTANT.test(s)) {
    const y = digits(s, 0, 4);
    const m = digits(s, 5, 2);
    const d = digits(s, 8, 2);
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const days = m === 2 && leap ? 29 : DAYS_IN_MONTH[m - 1];
    if (m >= 1 && m <= 12 && d >= 1 && days !== undefined && d <= days && digits(s, 11, 2) <= 23 && digits(s, 14, 2) <= 59 && digits(s, 17, 2) <= 59) return s;
  }
  return new Date(s).toISOString();
}
