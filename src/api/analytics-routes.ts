/** API endpoints of the analytics (compare, leaderboard, export, events). */
import type { Router } from './router.ts';
import type { ApiDeps } from './routes.ts';

export function mountAnalyticsApi(_router: Router, _deps: ApiDeps): void {}
