/**
 * Issue 11, "alerts agree with the report": the alert evaluator computes its report with the tag's sampling cadence,
 * exactly as `tagpulse report` (services/report.ts) does. The tag here is tracked every 6 hours; its older history
 * is hourly (an import before the schedule), so without the cadence the 6-hourly samples of the last days are read
 * as gaps (2 × the 1 h median), the 24 h velocity becomes null and the alert stays silent while the report shows
 * 1,000/h. A real 36-hour gap in the history is a gap for both. Real chDB; the evaluator logs deliveries to the store.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { AlertEvaluator, type AlertPayload } from '../../../src/alerts/evaluator.ts';
import { alertRecentQuery } from '../../../src/store/analytics-queries.ts';
import { buildReport } from '../../../src/services/report.ts';
import { computeReport } from '../../../src/analytics/report.ts';
import { loadSeries, toPoints } from '../../../src/services/series.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import type { AlertRule } from '../../../src/schema/alerts.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { HOUR, DAY } from './series.ts';

const END = Date.parse('2024-09-20T00:00:00.000Z');
const TAG = 'slowcadence';
const RATE = 1000;

/** Hourly from END − 12 d to END − 3 d (a 36 h gap from END − 8 d), then every 6 h with one sample 3 h late. */
function series(): Observation[] {
  const times: number[] = [];
  for (let t = END - 12 * DAY; t < END - 3 * DAY; t += HOUR) if (t < END - 8 * DAY || t >= END - 8 * DAY + 36 * HOUR) times.push(t);
  for (let t = END - 3 * DAY; t <= END; t += 6 * HOUR) times.push(t === END - 2 * DAY ? t + 3 * HOUR : t);
  return times.map((t) => obs({ tag: TAG, observedAt: new Date(t).toISOString(), value: String(5_000_000 + Math.round(((t - (END - 12 * DAY)) / HOUR) * RATE)) }));
}

describe('alerts use the tag cadence: an alert and the report agree for a slow-cadence tag with a gap', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ClickHouseStore;
  const key = { platform: 'tiktok', tag: TAG, metric: 'views' };

  beforeAll(async () => {
    dir = tempDir('tagpulse-alert-cadence-');
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    await store.insertObservations(series());
    await store.upsertTracked([{ platform: 'tiktok', tag: TAG, everyMs: 6 * HOUR, addedAt: new Date(END - 3 * DAY).toISOString(), active: true }]);
  });
  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  it('fires exactly the rules the report satisfies, with the report’s numbers', async () => {
    const rules: AlertRule[] = [
      { name: 'v24', kind: 'velocity', threshold: 500, window: '24h' },
      { name: 'v7', kind: 'velocity', threshold: 500, window: '7d' },
      { name: 'v1', kind: 'velocity', threshold: 500, window: '1h' },
    ];
    const evaluator = new AlertEvaluator({ store, rules, delivery: { attempts: 1, backoffMs: 10, timeoutMs: 1000, maxAttempts: 1 }, linkBase: 'http://127.0.0.1:8787' });
    // (the delivery log's clock stays real: alert_deliveries_v1 drops parts 400 days after fired_at)
    await evaluator.evaluate([{ ...key, firstNewAt: END - 6 * HOUR }]);
    const rows = await store.run(alertRecentQuery, { since: '2000-01-01T00:00:00Z', limit: 100 });
    const fired = new Map(rows.map((r) => [r.rule, JSON.parse(r.payload) as AlertPayload]));

    const report = await buildReport(store, { ...key, at: new Date(END).toISOString() });
    const w = (name: string) => report.windows.find((x) => x.window === name)!;
    // The case means something: the report knows the 24 h velocity only with the cadence.
    expect(w('24h').velocityPerHour).toBeCloseTo(RATE, 6);
    const points = toPoints(await loadSeries(store, key));
    const noCadence = computeReport(points, { ...key, at: END });
    expect(noCadence.windows.find((x) => x.window === '24h')!.velocityPerHour).toBeNull();
    // The real 36 h gap is still a gap: the 7 d window has less than full coverage.
    expect(w('7d').coverage).toBeLessThan(1);

    for (const r of rules) {
      if (r.kind !== 'velocity') continue;
      const v = w(r.window).velocityPerHour;
      const shouldFire = v !== null && v >= r.threshold;
      expect(fired.has(r.name), `${r.name}: report velocity ${v}`).toBe(shouldFire);
      if (!shouldFire) continue;
      expect(fired.get(r.name)!.values).toMatchObject({
        velocityPerHour: v,
        velocityPerHourLow: w(r.window).velocityPerHourLow,
        velocityPerHourHigh: w(r.window).velocityPerHourHigh,
        growthPct: w(r.window).growthPct,
        from: w(r.window).from,
        to: w(r.window).to,
      });
    }
    expect(fired.has('v24')).toBe(true);
  });
});
