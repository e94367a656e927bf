/// <reference lib="dom" />
/**
 * The format_drift banner, shown on the overview and the operations page while a platform's page format seems to
 * have changed (services/format-drift.ts). Text only: the message and the command are set as text, never as HTML.
 */
import type { DriftBanner } from '../../../services/format-drift.ts';
import { h } from '../dom.ts';
import { link } from '../api.ts';
import { formatTime } from '../format.ts';

export function driftBanners(banners: readonly DriftBanner[]): HTMLElement | null {
  if (!banners.length) return null;
  return h(
    'div',
    { class: 'drift-banners', role: 'alert' },
    banners.map((b) =>
      h(
        'div',
        { class: 'notice notice-error drift-banner', 'data-platform': b.platform },
        h('strong', null, `Format drift on ${b.platform} `),
        h('span', { class: 'muted' }, `(since ${formatTime(b.firedAt, true)}) `),
        h('p', null, b.message),
        b.rawRefs.length
          ? h('p', null, 'Saved responses: ', ...b.rawRefs.flatMap((id, i) => [i ? ', ' : '', h('a', { href: link(`/api/ops/raw/${encodeURIComponent(id)}`), class: 'raw-link' }, id)]))
          : null,
        b.reparse ? h('p', null, 'Re-parse: ', h('code', null, b.reparse)) : null,
      ),
    ),
  );
}
