/** The web dashboard and the operations endpoints (pages, assets, /metrics, queue health). */
import type { Router } from '../api/router.ts';
import type { ApiDeps } from '../api/routes.ts';
import type { App } from '../runtime/app.ts';

export function mountDashboard(_router: Router, _deps: ApiDeps & { app?: App }): void {}
