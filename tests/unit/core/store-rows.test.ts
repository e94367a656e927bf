/**
 * Issue 10 (import rate): a big import formats each checked row once, as the JSONEachRow line the store writes, and
 * streams those lines to the store later. The line must be exactly the row insertObservations writes, whatever the
 * free text holds, and a remote caller's lines are checked with the rules of Observation before they reach the store.
 */
import { describe, expect, it } from 'vitest';
import { checkObservationLines, countLines, observationInsertRow, observationLine, ObservationLineWriter } from '../../../src/store/rows.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { dispatchStoreCall } from '../../../src/store/methods.ts';
import { QueryValidationError } from '../../../src/store/errors.ts';
import { getQuery } from '../../../src/store/registry.ts';
import type { Store } from '../../../src/store/store.ts';
import { obs } from '../../helpers/observations.ts';

const HOSTILE = [`it's "quoted" \\ back`, 'tab\tnew\nline\r', '\u2028\u2029 sep', 'é ü 中文 🙂', '\u0000\u001f ctl', '"},{"value":"1'];

describe('observation lines', () => {
  it('observationLine is JSON.stringify of the row insertObservations writes, for hostile free text too', () => {
    for (const text of HOSTILE) {
      const o = obs({ tag: 'x_1', observedAt: '2024-01-02T03:04:05.678Z', value: '18446744073709551615', note: text, provenance: text, source: `s ${text}`, method: 'import', fetchedAt: '2026-12-05T10:00:00Z', timePrecision: 'day' });
      const line = observationLine(o);
      expect(line).toBe(JSON.stringify(observationInsertRow(o)));
      expect(JSON.parse(line)).toMatchObject({ note: text, provenance: text, observed_at: '2024-01-02 03:04:05.678', fetched_at: '2026-12-05 10:00:00.000', value: '18446744073709551615', time_precision: 'day' });
      expect(checkObservationLines(line + '\n')).toEqual([]);
    }
  });

  it('checkObservationLines names the line and field of anything an Observation could not be', () => {
    const good = observationLine(obs({ tag: 'ok', observedAt: '2024-01-01T00:00:00.000Z', value: '5' }));
    const row = JSON.parse(good) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => JSON.stringify({ ...row, ...patch });
    const text = [good, bad({ tag: 'Not Normalised' }), bad({ value: '-1' }), bad({ observed_at: '2024-01-01T00:00:00Z' }), bad({ ingested_at: '2099-01-01 00:00:00.000' }), '{"platform":'].join('\n') + '\n';
    const problems = checkObservationLines(text, 10);
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/^line 2: tag: /);
    expect(problems[1]).toMatch(/^line 3: value: /);
    expect(problems[2]).toMatch(/^line 4: observed_at: expected DateTime64/);
    expect(problems[3]).toMatch(/^line 5: .*ingested_at/);
    expect(problems[4]).toBe('line 6: not valid JSON');
    expect(checkObservationLines(good)).toEqual(['the last line has no line break']);
    expect(countLines(text)).toBe(6);
  });

  it("the owner's internal API refuses bad lines before they reach the store", async () => {
    const calls: string[] = [];
    const store = { insertObservationLines: async (lines: string) => (calls.push(lines), countLines(lines)) } as unknown as Store;
    const good = observationLine(obs({ tag: 'ok', observedAt: '2024-01-01T00:00:00.000Z', value: '5' })) + '\n';
    const err = await dispatchStoreCall(store, 'insertObservationLines', { lines: good + '{"tag":"x"}\n' }, getQuery).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueryValidationError);
    expect((err as Error).message).toMatch(/insertObservationLines: lines: line 2: /);
    expect(calls).toEqual([]);
    expect(await dispatchStoreCall(store, 'insertObservationLines', { lines: good }, getQuery)).toBe(1);
    expect(calls).toEqual([good]);
  });

  it("the owner's internal API refuses a bad stage id or bad staged lines before they reach the store", async () => {
    const calls: string[] = [];
    const store = {
      stageObservationLines: async (stage: string, lines: string) => (calls.push(`${stage}:${lines}`), countLines(lines)),
      commitImportStage: async (stage: string) => (calls.push(stage), 0),
      dropImportStage: async (stage: string) => void calls.push(stage),
    } as unknown as Store;
    const good = observationLine(obs({ tag: 'ok', observedAt: '2024-01-01T00:00:00.000Z', value: '5' })) + '\n';
    const stage = '1764950400000_0123456789ab';
    for (const [name, args] of [
      ['stageObservationLines', { stage: "1764950400000_0123456789ab; DROP TABLE observations_v2", lines: good }],
      ['stageObservationLines', { stage, lines: good + '{"tag":"x"}\n' }],
      ['commitImportStage', { stage: 'observations_v2' }],
      ['dropImportStage', { stage: '../x' }],
    ] as const) {
      const err = await dispatchStoreCall(store, name, args, getQuery).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(QueryValidationError);
    }
    expect(calls).toEqual([]);
    expect(await dispatchStoreCall(store, 'stageObservationLines', { stage, lines: good }, getQuery)).toBe(1);
    expect(calls).toEqual([`${stage}:${good}`]);
  });

  it('ObservationLineWriter (reused quoted fields, lines written straight into a buffer) writes what JSON.stringify of each row writes, over random sequences', () => {
    // Property test: fields drawn from small pools, so consecutive rows repeat some fields and change others in every
    // combination — the writer's reuse of the quoted text of repeated fields must never leak a previous row's value.
    let seed = 20261205;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const long = 'é🙂中'.repeat(600);
    const texts = ['', 'f.csv', ...HOSTILE, long];
    const times = ['2024-01-02T03:04:05.678Z', '2024-01-02T03:04:05.679Z', '2029-12-31T23:00:00.000Z', '1999-02-28T00:00:00.000Z'];
    const random = (): Observation => {
      const observedAt = pick(times);
      // timePrecision is left out of some rows (an Observation made before it existed): written as 'instant'.
      return {
        platform: pick(['tiktok', 'instagram', 'youtube']),
        tag: pick(['a', 'b_1', 'café', 'x'.repeat(100)]),
        metric: pick(['views', 'posts']),
        observedAt,
        value: pick(['1', '18446744073709551615', '1000000', '42']),
        exact: pick([true, false]),
        step: pick(['0', '100000000']),
        precision: pick(['exact', 'rounded', 'lower_bound'] as const),
        source: pick(['import', 'import.tracker_tsv', `s ${HOSTILE[0]}`]),
        method: pick(['import', 'http'] as const),
        collectorVersion: pick(['import/1.0.0', 'test']),
        slot: rnd() < 0.8 ? observedAt : pick(times),
        fetchedAt: pick(['2026-12-05T10:00:00.000Z', '2026-12-05T10:00:00Z', '2026-12-05T10:00:01.000Z']),
        provenance: pick(texts),
        note: pick(texts),
        ...(rnd() < 0.3 ? {} : { timePrecision: pick(['instant', 'day', 'month'] as const) }),
      } as Observation;
    };
    const writer = new ObservationLineWriter();
    for (let round = 0; round < 200; round++) {
      const rows = Array.from({ length: 1 + Math.floor(rnd() * 60) }, random);
      // A run of identical rows, then one field changed: the cases the reuse is for.
      rows.push({ ...rows[rows.length - 1]! }, { ...rows[rows.length - 1]!, note: pick(texts), fetchedAt: pick(['2026-12-05T11:00:00.000Z']) });
      const expected = rows.map((o) => JSON.stringify(observationInsertRow(o)));
      expect(rows.map((o) => writer.line(o))).toEqual(expected);
      expect(rows.map((o) => observationLine(o))).toEqual(expected);
      // The block is the same lines as UTF-8 bytes (it grows past its first guess for the long non-ASCII notes).
      expect(writer.block(rows).toString('utf8')).toBe(expected.map((l) => l + '\n').join(''));
    }
    expect(writer.block([]).length).toBe(0);
  });
});
