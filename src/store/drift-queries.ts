/**
 * Queries of the collectors' operational checks. Format drift (services/format-drift.ts): a platform's latest samples, each a success (one
 * stored sample: its rows share tag and slot) or a failed attempt, newest first; and the latest format_drift alerts.
 */
import * as z from 'zod';
import { defineQuery } from './query.ts';
import { registerQueries } from './registry.ts';
import { T } from './migrations.ts';
import { chTime, chTimeParam } from './columns.ts';

export const platformSamplesQuery = defineQuery({
  name: 'drift_platform_samples',
  params: z.object({ platform: z.string(), since: chTimeParam, limit: z.number().int().min(1).max(10_000) }),
  row: z.object({ at: chTime, kind: z.string(), raw_ref: z.string() }),
  sql: `SELECT at, kind, raw_ref FROM (
  SELECT occurred_at AS at, kind, raw_ref
  FROM ${T.failures} FINAL
  WHERE platform = {platform:String} AND occurred_at >= {since:DateTime64(3, 'UTC')}
  UNION ALL
  SELECT max(fetched_at) AS at, 'ok' AS kind, '' AS raw_ref
  FROM ${T.observations}
  WHERE platform = {platform:String} AND observed_at >= {since:DateTime64(3, 'UTC')} AND fetched_at >= {since:DateTime64(3, 'UTC')}
    AND method IN ('http', 'browser', 'api')
  GROUP BY tag, slot
)
ORDER BY at DESC
LIMIT {limit:UInt32}`,
});

export const driftAlertsQuery = defineQuery({
  name: 'drift_alerts',
  params: z.object({ since: chTimeParam }),
  row: z.object({ platform: z.string(), window_key: z.string(), fired_at: chTime, payload: z.string() }),
  sql: `SELECT platform, window_key, fired_at, payload
FROM ${T.alerts} FINAL
WHERE rule = 'format_drift' AND fired_at >= {since:DateTime64(3, 'UTC')}
ORDER BY fired_at DESC
LIMIT 1 BY platform`,
});

registerQueries(platformSamplesQuery, driftAlertsQuery);

/** Versions recorded in schema_migrations_v1 (tagpulse doctor compares them with the migrations it knows). */
export const appliedMigrationsQuery = defineQuery({
  name: 'doctor_applied_migrations',
  params: z.object({}),
  row: z.object({ version: z.coerce.number() }),
  sql: `SELECT DISTINCT version FROM ${T.migrations} ORDER BY version`,
});

registerQueries(appliedMigrationsQuery);
