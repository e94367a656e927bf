/** The terminal progress bar of long commands (backfill, import): `[#####-----]`, a rate and an ETA. */
import { formatAge } from './format.ts';

/** `[###-------]` for done of total (a full bar when total is 0). */
export function progressBar(done: number, total: number, width = 24): string {
  const ratio = total ? Math.min(1, done / total) : 1;
  const filled = Math.round(ratio * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** ` · ETA 2m` while work remains (from the pace so far), '' before the first unit or after the last. */
export function etaSuffix(done: number, total: number, elapsedMs: number): string {
  return done > 0 && done < total ? ` · ETA ${formatAge((elapsedMs / done) * (total - done))}` : '';
}

/** `12.3k/s`: a rate per second, short. */
export function formatPerSecond(n: number, unit: string): string {
  if (!Number.isFinite(n) || n <= 0) return `— ${unit}/s`;
  const [v, s] = n >= 1e6 ? [n / 1e6, 'M'] : n >= 1e3 ? [n / 1e3, 'k'] : [n, ''];
  return `${v.toFixed(v >= 100 || !s ? 0 : 1)}${s} ${unit}/s`;
}
