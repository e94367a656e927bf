/// <reference lib="dom" />
/** Export buttons (CSV, JSONL, Parquet from /api/export) and "copy citation" (/api/export/citation). */
import type { Citation } from '../../../services/citation.ts';
import { h, replace } from '../dom.ts';
import { getJson, link } from '../api.ts';
import { section } from '../widgets.ts';

export interface ExportScope {
  platform: string;
  tags: string[];
  metric: string;
  from: string;
  to: string;
}

const FORMATS = [
  { format: 'csv', label: 'CSV' },
  { format: 'jsonl', label: 'JSONL' },
  { format: 'parquet', label: 'Parquet' },
] as const;

/**
 * All links share one snapshot time, so the citation describes exactly the rows a download returns (and the export
 * can be reproduced later). The citation is the CSV's (its hash is of those bytes).
 */
export function exportPanel(scope: ExportScope): HTMLElement {
  const params = { platform: scope.platform, tags: scope.tags.join(','), metric: scope.metric, from: scope.from, to: scope.to, snapshot: new Date().toISOString() };
  const output = h('output', { class: 'citation', 'aria-live': 'polite' });
  const copy = h('button', { type: 'button', class: 'button' }, 'Copy citation');
  copy.addEventListener('click', async () => {
    copy.disabled = true;
    try {
      const c = await getJson<Citation>('/api/export/citation', { ...params, format: 'csv' });
      replace(output, h('span', { class: 'citation-text' }, c.text));
      const copied = await navigator.clipboard?.writeText(c.text).then(
        () => true,
        () => false,
      );
      output.append(h('span', { class: 'muted' }, copied ? ' — copied to the clipboard.' : ' — select and copy it.'));
    } catch (e) {
      replace(output, h('span', { class: 'error-text' }, `Could not build the citation: ${(e as Error).message}`));
    } finally {
      copy.disabled = false;
    }
  });
  const what = scope.tags.map((t) => `#${t}`).join(', ');
  return section(
    'Export and cite',
    h('p', { class: 'muted' }, `Every stored ${scope.metric} reading of ${what} in this range, with its precision and provenance. The citation names the CSV download of the same snapshot.`),
    h(
      'div',
      { class: 'button-row' },
      FORMATS.map((f) => h('a', { class: 'button', href: link('/api/export', { ...params, format: f.format }), download: '', 'data-format': f.format }, `Download ${f.label}`)),
      copy,
    ),
    output,
  );
}
