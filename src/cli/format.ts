/** Display helpers for the terminal. Counts stay strings; grouping is cosmetic. */
export function formatCount(v: string | bigint): string {
  const s = typeof v === 'bigint' ? v.toString() : v;
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function formatRate(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'B'], [1e6, 'M'], [1e3, 'K']];
  for (const [u, s] of units) if (abs >= u) return `${(n / u).toFixed(digits)}${s}`;
  return n.toFixed(abs < 10 ? 2 : digits);
}

export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
}
