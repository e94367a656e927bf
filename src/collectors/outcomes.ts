/**
 * From a collector outcome to the rows the store keeps: observations when values were read, one CollectionFailure
 * when not. Shared by the collect worker (workers/collect.ts) and `tagpulse sample`, so both record the same rows.
 */
import type { CollectOutcome } from './types.ts';
import type { Observation } from '../schema/observation.ts';
import type { CollectionFailure, FailureKind } from '../schema/failure.ts';
import { ok, fail, type StepResult } from '../schema/results.ts';

/**
 * Turn a collector outcome into observations (ok) or a failure (fail). Pure.
 * observedAt is when the value was read: the reading's own time when the source gives one (a Research API day), else
 * the fetch time — never the slot, which a late job (catch-up, retry backoff, stalled lock) may have passed long ago.
 * The slot stays the sample's identity (src/schema/identity.ts), so a re-delivered job still writes one row per slot.
 */
export function toObservations(
  outcome: CollectOutcome,
  ctx: { platform: string; tag: string; slot: string; fetchedAt: string; collectorVersion: string },
): StepResult<Observation[]> {
  if (!outcome.ok) return fail(outcome.kind, outcome.message);
  if (!outcome.readings.length) return fail('no_data', 'the collector returned no readings');
  return ok(
    outcome.readings.map((r) => ({
      platform: ctx.platform,
      tag: ctx.tag,
      metric: r.metric,
      observedAt: r.observedAt ?? ctx.fetchedAt,
      value: r.value,
      exact: r.precision === 'exact',
      step: r.precision === 'exact' ? '0' : r.step,
      precision: r.precision,
      source: r.source,
      method: outcome.method,
      collectorVersion: ctx.collectorVersion,
      slot: ctx.slot,
      fetchedAt: ctx.fetchedAt,
      provenance: outcome.url,
      note: r.note ?? '',
      timePrecision: r.timePrecision ?? 'instant',
    })),
  );
}

/** The failure row of an outcome that gave no observations (a failed fetch, or no readings). Pure. */
export function toFailure(
  step: { kind: FailureKind; message: string },
  outcome: CollectOutcome,
  ctx: { platform: string; tag: string; slot: string; occurredAt: string; attempt: number; collectorVersion: string; rawRef?: string },
): CollectionFailure {
  return {
    platform: ctx.platform,
    tag: ctx.tag,
    kind: step.kind,
    statusCode: outcome.ok ? 0 : outcome.statusCode,
    platformCode: outcome.ok ? '' : outcome.platformCode,
    message: step.message.slice(0, 2000),
    method: outcome.method,
    source: '',
    slot: ctx.slot,
    occurredAt: ctx.occurredAt,
    attempt: ctx.attempt,
    collectorVersion: ctx.collectorVersion,
    url: outcome.url,
    ...(ctx.rawRef !== undefined ? { rawRef: ctx.rawRef } : {}),
  };
}
