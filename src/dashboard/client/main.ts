/// <reference lib="dom" />
/**
 * Entry point of the dashboard client: render the view named by the path into <main>; back/forward re-render from
 * the query string (every view's state lives there).
 */
import { h, replace } from './dom.ts';
import { link } from './api.ts';
import { onNavigate } from './state.ts';
import { stopRefreshes } from './refresh.ts';
import { notice } from './widgets.ts';
import { overviewView } from './views/overview.ts';
import { tagView } from './views/tag.ts';
import { compareView } from './views/compare.ts';
import { opsView } from './views/ops.ts';

const VIEWS: Record<string, (root: HTMLElement) => Promise<void>> = {
  '/': overviewView,
  '/tag': tagView,
  '/compare': compareView,
  '/ops': opsView,
};

function render(): void {
  const root = document.getElementById('main');
  if (!root) return;
  stopRefreshes();
  const view = VIEWS[location.pathname.replace(/\/+$/, '') || '/'];
  if (!view) {
    replace(root, notice('No such page. ', h('a', { href: link('/') }, 'Go to the overview'), '.'));
    return;
  }
  void view(root);
}

onNavigate(render);
render();
