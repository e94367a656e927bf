/**
 * Issue 15, "building observations and failures from collector outcomes lives in collectors/, shared by the worker and
 * sample": one toFailure for both. Before, `tagpulse sample` built failures by hand and recorded none when a page
 * answered without readings (the worker recorded a no_data failure), and kept messages untruncated.
 */
import { describe, expect, it } from 'vitest';
import { toFailure, toObservations } from '../../../src/collectors/outcomes.ts';
import { CollectionFailure } from '../../../src/schema/failure.ts';
import type { CollectOutcome } from '../../../src/collectors/types.ts';

const ctx = { platform: 'tiktok', tag: 'mentalhealth', slot: '2024-05-01T12:00:00.000Z', collectorVersion: 't1' };

describe('collector outcomes → rows', () => {
  it('an answer without readings is a no_data failure row, with status 0', () => {
    const outcome: CollectOutcome = { ok: true, readings: [], method: 'http', url: 'https://www.tiktok.com/tag/mentalhealth', statusCode: 200, format: 'html' };
    const step = toObservations(outcome, { ...ctx, fetchedAt: '2024-05-01T12:00:03.000Z' });
    expect(step.type).toBe('fail');
    if (step.type !== 'fail') return;
    const row = toFailure(step, outcome, { ...ctx, occurredAt: '2024-05-01T12:00:03.000Z', attempt: 1 });
    expect(CollectionFailure.parse(row)).toEqual(row);
    expect(row).toMatchObject({ kind: 'no_data', statusCode: 0, platformCode: '', method: 'http', url: outcome.url, attempt: 1 });
  });

  it('a failed fetch keeps its status and platform code; long messages are cut to 2000 characters', () => {
    const outcome: CollectOutcome = { ok: false, kind: 'throttled', message: 'x'.repeat(5000), method: 'http', url: 'https://www.tiktok.com/tag/a', statusCode: 429, platformCode: '2484' };
    const step = toObservations(outcome, { ...ctx, fetchedAt: '2024-05-01T12:00:03.000Z' });
    if (step.type !== 'fail') throw new Error('expected a failure');
    const row = toFailure(step, outcome, { ...ctx, occurredAt: '2024-05-01T12:00:03.000Z', attempt: 3 });
    expect(row).toMatchObject({ kind: 'throttled', statusCode: 429, platformCode: '2484', attempt: 3 });
    expect(row.message.length).toBe(2000);
  });
});
