/** Report of one tag: load its series (one primary-key range read) and run the analytics. */
import type { Store } from '../store/store.ts';
import { computeReport, type Report } from '../analytics/report.ts';
import { loadSeries, toPoints } from './series.ts';
import { normalizeTag } from '../schema/tag.ts';

export interface ReportInput {
  platform: string;
  tag: string;
  metric: string;
  /** As-of time (ISO); later observations are ignored. */
  at?: string;
}

export async function buildReport(store: Store, input: ReportInput): Promise<Report & { observations: number }> {
  const tag = normalizeTag(input.tag);
  const rows = await loadSeries(store, { platform: input.platform, tag, metric: input.metric }, input.at ? { to: input.at } : {});
  const atMs = input.at ? Date.parse(input.at) : undefined;
  const report = computeReport(toPoints(rows), { platform: input.platform, tag, metric: input.metric, ...(atMs !== undefined ? { at: atMs } : {}), now: Date.now() });
  return { ...report, observations: rows.length };
}
