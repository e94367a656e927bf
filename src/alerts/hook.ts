/**
 * Post-load hook: after every load, the alert rules are evaluated on the series that load touched.
 *
 * The evaluation runs beside the loader, never in its way: the hook only records the touched series and returns;
 * one evaluation runs at a time, and series touched meanwhile are merged into the next one (a slow webhook or a
 * burst of loads delays alerts, never inserts).
 */
import type { Config } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import type { Observation } from '../schema/observation.ts';
import { logger } from '../util/log.ts';
import { AlertEvaluator, linkBaseOf, type TouchedSeries } from './evaluator.ts';
import { ruleApplies, seriesId } from './rules.ts';

/** What the loader just stored (structurally the loader's LoadedBatch; alerts/ sits below workers/ and does not import it). */
export interface LoadedRows {
  observations: Observation[];
}

export type PostLoadHook = ((b: LoadedRows) => Promise<void>) & {
  /** Resolves when no evaluation is running or queued. */
  idle(): Promise<void>;
  /** Evaluations finished so far. */
  rounds(): number;
};

/** Series of the batch with their earliest new observation; lower bounds are not counter readings. */
export function touchedSeries(observations: readonly Observation[]): TouchedSeries[] {
  const out = new Map<string, TouchedSeries>();
  for (const o of observations) {
    if (o.precision === 'lower_bound') continue;
    const t = Date.parse(o.observedAt);
    const id = seriesId(o);
    const prev = out.get(id);
    if (!prev) out.set(id, { platform: o.platform, tag: o.tag, metric: o.metric, firstNewAt: t });
    else if (t < prev.firstNewAt) prev.firstNewAt = t;
  }
  return [...out.values()];
}

export function createPostLoadHook(cfg: Config, store: () => Store | undefined): PostLoadHook | undefined {
  const rules = cfg.alerts?.rules ?? [];
  if (!rules.length) return undefined;
  const log = logger('alerts');
  const pending = new Map<string, TouchedSeries>();
  let running: Promise<void> | undefined;
  let rounds = 0;
  let evaluator: AlertEvaluator | undefined;

  const loop = async () => {
    while (pending.size) {
      const batch = [...pending.values()];
      pending.clear();
      const s = store();
      try {
        if (!s) throw new Error('the store is not open');
        evaluator ??= new AlertEvaluator({
          store: s,
          rules,
          delivery: cfg.alerts!.delivery,
          webhookUrl: cfg.alertWebhookUrl,
          linkBase: linkBaseOf(cfg),
          log,
        });
        const summary = await evaluator.evaluate(batch);
        log.debug(summary, 'alerts evaluated');
      } catch (e) {
        log.warn({ err: (e as Error).message, series: batch.length }, 'alert evaluation failed; the next load evaluates again');
      } finally {
        rounds++;
      }
    }
  };

  const kick = (): void => {
    if (running || !pending.size) return;
    running = loop().finally(() => {
      running = undefined;
      kick(); // series that arrived while the last round was finishing
    });
  };

  const hook = async (b: LoadedRows): Promise<void> => {
    for (const t of touchedSeries(b.observations)) {
      if (!rules.some((r) => ruleApplies(r, t))) continue;
      const id = seriesId(t);
      const prev = pending.get(id);
      pending.set(id, prev && prev.firstNewAt < t.firstNewAt ? prev : t);
    }
    kick();
  };
  const idle = async (): Promise<void> => {
    while (running) await running;
  };
  return Object.assign(hook, { idle, rounds: () => rounds });
}
