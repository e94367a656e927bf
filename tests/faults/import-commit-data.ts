/**
 * The rows of the import-commit kill test (import-commit-kill.test.ts and its child process): collected readings of
 * one tag, and an import of that tag and a new one. Fixed dates spread over two years and a month boundary, so
 * observations_v2 (yearly by key_at), the hourly rollup (monthly) and the daily rollup (yearly) each get the stage's
 * rows in two or three partitions, and some imported readings share an hour with collected ones.
 */
import type { Observation } from '../../src/schema/observation.ts';

type Row = Partial<Observation> & { tag: string; observedAt: string; value: string };

export const TAGS = ['crash_a', 'crash_b'];
const at = (iso: string, plusMin: number) => new Date(Date.parse(iso) + plusMin * 60_000).toISOString();

/** Collected by the "collector" before the import: crash_a, every 2 h from 2026-11-30 18:00Z. */
export const COLLECTED: Row[] = Array.from({ length: 6 }, (_, i) => {
  const t = at('2026-11-30T18:05:00.000Z', i * 120);
  return { tag: 'crash_a', observedAt: t, slot: t, fetchedAt: t, value: String(5_000_000_001 + i * 7_919) };
});

const imported = (tag: string, iso: string, n: number, everyMin: number, base: number): Row[] =>
  Array.from({ length: n }, (_, i) => {
    const t = at(iso, i * everyMin);
    return { tag, observedAt: t, slot: t, fetchedAt: '2026-12-05T12:00:00.000Z', value: String(base + i * 1_013), source: 'import', method: 'import', provenance: 'crash.csv' };
  });

/** The imported file: old rows (2025), and rows across the 2026-11/12 boundary, some in crash_a's collected hours. */
export const IMPORTED: Row[] = [
  ...imported('crash_a', '2025-03-10T00:30:00.000Z', 5, 90, 1_000_000_003),
  ...imported('crash_a', '2026-11-30T19:40:00.000Z', 12, 50, 5_000_100_007),
  ...imported('crash_b', '2025-03-11T06:00:00.000Z', 4, 30, 70_000_001),
  ...imported('crash_b', '2026-11-30T22:10:00.000Z', 10, 45, 80_000_009),
];

/**
 * A re-import with --replace of every third imported reading, each 500 lower: the hour's last and largest reading of
 * many buckets changes, so a rollup that still folds the replaced reading in shows it.
 */
export const REPLACED: Row[] = IMPORTED.filter((_, i) => i % 3 === 0).map((o) => ({ ...o, value: String(BigInt(o.value) - 500n), provenance: 'crash-fixed.csv' }));
