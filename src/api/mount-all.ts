/** Everything the tagpulse HTTP server serves: JSON API, analytics API, dashboard, operations and the OpenAPI document. */
import type { Router } from './router.ts';
import { mountApi, type ApiDeps } from './routes.ts';
import { mountAnalyticsApi } from './analytics-routes.ts';
import { mountDashboard } from './dashboard-routes.ts';
import { openApiDocument } from './openapi.ts';
import type { ProcessView } from '../dashboard/ops.ts';

export function mountAll(router: Router, deps: ApiDeps & { app?: ProcessView }): void {
  mountApi(router, deps);
  mountAnalyticsApi(router, deps);
  mountDashboard(router, deps);
  // The OpenAPI 3.1 description of every route above (src/api/openapi.ts).
  router.add('GET', '/api/openapi.json', () => ({ json: openApiDocument() }));
}
