/// <reference lib="dom" />
/**
 * Number and time formatting for people who cite numbers: full counts with thousands separators when exact, the
 * platform's display figure marked "≈" when rounded (with the interval it stands for), "≥" for lower bounds, times in
 * UTC, and "—" for anything unknown (missing is never shown as zero).
 */

export const NONE = '—';
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });

export type Precision = 'exact' | 'rounded' | 'lower_bound';

/** Full integer with thousands separators (accepts decimal strings beyond 2^53). */
export function formatInt(v: string | number | bigint): string {
  if (typeof v === 'string') return /^\d+$/.test(v) ? int.format(BigInt(v)) : v;
  return int.format(v);
}

const UNITS: [bigint, string][] = [
  [1_000_000_000_000n, 'T'],
  [1_000_000_000n, 'B'],
  [1_000_000n, 'M'],
  [1_000n, 'K'],
];

/** The display figure of a rounded count, with as many decimals as its rounding step allows ("16.4B"). */
export function displayFigure(value: string, step: string): string {
  const v = BigInt(value);
  const q = BigInt(step || '0');
  for (const [unit, suffix] of UNITS) {
    if (v < unit) continue;
    let decimals = 0;
    for (let d = unit; q > 0n && d > q && decimals < 3; d /= 10n) decimals++;
    const scaled = Number(v) / Number(unit);
    return `${scaled.toFixed(decimals)}${suffix}`;
  }
  return formatInt(value);
}

/** A count as text plus a title that says what it means. */
export function formatCount(value: string, precision: Precision, step: string): { text: string; title: string } {
  if (precision === 'exact') return { text: formatInt(value), title: 'exact count' };
  if (precision === 'lower_bound') return { text: `≥ ${formatInt(value)}`, title: 'lower bound: the true count is at least this' };
  const half = BigInt(step || '0') / 2n;
  const v = BigInt(value);
  return {
    text: `≈ ${displayFigure(value, step)}`,
    title: `rounded display figure (step ${formatInt(step)}): the true count is between ${formatInt(v - half)} and ${formatInt(v + half)}`,
  };
}

/** A rate per hour ("2,083,333/h"); decimals only for small rates. */
export function formatRate(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE;
  return `${Math.abs(v) < 100 ? oneDecimal.format(v) : int.format(v)}/h`;
}

/** A plain number for an axis or a tooltip. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return NONE;
  return Math.abs(v) < 100 && !Number.isInteger(v) ? oneDecimal.format(v) : int.format(v);
}

function formatShort(v: number, decimals: number): string {
  const a = Math.abs(v);
  for (const [unit, suffix] of UNITS) {
    const u = Number(unit);
    if (a >= u) return `${(v / u).toFixed(decimals)}${suffix}`;
  }
  return formatNumber(v);
}

/**
 * Axis labels that tell every tick apart with as few digits as possible: "16.4B" where that is enough, more decimals
 * for close ticks ("16.401B", "16.402B"), and full numbers when even three decimals are not.
 */
export function axisLabels(ticks: number[]): string[] {
  for (let d = 0; d <= 3; d++) {
    const labels = ticks.map((v) => formatShort(v, d).replace(/\.0+(?=[KMBT]$)/, ''));
    if (new Set(labels).size === labels.length) return labels;
  }
  return ticks.map((v) => formatNumber(v));
}

/** Growth in percent with its sign ("+12.3%", "−4.0%"). */
export function formatPct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE;
  const sign = v > 0 ? '+' : v < 0 ? '−' : '';
  return `${sign}${oneDecimal.format(Math.abs(v))}%`;
}

/** A duration in days, shown in hours below a day ("4.2 d", "18 h"). */
export function formatDays(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE;
  if (v < 1) return `${int.format(v * 24)} h`;
  return `${v < 100 ? oneDecimal.format(v) : int.format(v)} d`;
}

/** A duration in seconds ("45 s", "12 min", "5 h", "3 d"). */
export function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86400)} d`;
}

/** Age of a time relative to now ("12 s ago", "5 min ago"). */
export function formatAge(iso: string | null | undefined, nowMs = Date.now()): string {
  if (!iso) return NONE;
  return `${formatSeconds(Math.max(0, (nowMs - Date.parse(iso)) / 1000))} ago`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** A time in UTC ("10 Sep 2024, 14:05 UTC"). */
export function formatTime(iso: string | number | null | undefined, withSeconds = false): string {
  if (iso === null || iso === undefined) return NONE;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return NONE;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${withSeconds ? `:${pad(d.getUTCSeconds())}` : ''}`;
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, ${time} UTC`;
}

/** A UTC date for date inputs ("2024-09-10"). */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Axis label of a time for a tick interval. */
export function formatTick(ms: number, intervalMs: number): string {
  const d = new Date(ms);
  if (intervalMs < 60_000) return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  if (intervalMs < 86_400_000) return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  if (intervalMs < 28 * 86_400_000) return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

/**
 * A value with its interval in parentheses: "54 d (48–61)", "+12.3% (+8.0% to +16.9%)". A missing bound is an open
 * end ("> 48", "< 61"); a value that is unknown but bounded shows "unknown (48–61)"; no interval when the bounds equal
 * the value (exact data).
 */
export function withInterval(
  v: number | null | undefined,
  lo: number | null | undefined,
  hi: number | null | undefined,
  fmt: (x: number) => string,
  sep = '–',
): string {
  const known = (x: number | null | undefined): x is number => x !== null && x !== undefined && Number.isFinite(x);
  const main = known(v) ? fmt(v) : 'unknown';
  const l = known(lo) ? fmt(lo) : null;
  const u = known(hi) ? fmt(hi) : null;
  if (l === null && u === null) return known(v) ? main : NONE;
  if (l !== null && u !== null && l === main && u === main) return main;
  const inner = l !== null && u !== null ? `${l}${sep}${u}` : l !== null ? `> ${l}` : `< ${u}`;
  return `${main} (${inner})`;
}

/** Days as a bare number for intervals ("54", "4.2", "0.5"). */
export function formatDaysNumber(v: number): string {
  return v < 1 ? oneDecimal.format(v) : v < 100 ? oneDecimal.format(v) : int.format(v);
}

/** "doubles in 54 d (48–61)" / "halves in 12 d (10–15)" / null when neither is known nor bounded. */
export function doublingText(d: { days: number | null; low: number | null; high: number | null }, verb = 'doubles'): string | null {
  if (d.days === null && d.low === null && d.high === null) return null;
  const main = d.days !== null ? formatDays(d.days) : 'unknown';
  const lo = d.low !== null ? formatDaysNumber(d.low) : null;
  const hi = d.high !== null ? formatDaysNumber(d.high) : null;
  const inner = lo !== null && hi !== null ? `${lo}–${hi}` : lo !== null ? `> ${lo}` : hi !== null ? `< ${hi}` : null;
  return `${verb} in ${main}${inner !== null && !(lo === hi && d.days !== null && formatDaysNumber(d.days) === lo) ? ` (${inner})` : ''}`;
}
