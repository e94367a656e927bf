/** Everything the tagpulse HTTP server serves: JSON API, analytics API, dashboard and operations. */
import type { Router } from './router.ts';
import { mountApi, type ApiDeps } from './routes.ts';
import { mountAnalyticsApi } from './analytics-routes.ts';
import { mountDashboard } from '../dashboard/mount.ts';
import type { App } from '../runtime/app.ts';

export function mountAll(router: Router, deps: ApiDeps & { app?: App }): void {
  mountApi(router, deps);
  mountAnalyticsApi(router, deps);
  mountDashboard(router, deps);
}
