import { describe, it, expect } from 'vitest';
import { normalizeTag, InvalidTagError, toCount, Count, Observation, parseEvery, formatEvery, safeJobId } from '../../../src/schema/index.ts';
import { obs } from '../../helpers/observations.ts';

describe('tags', () => {
  it.each([
    ['#MentalHealth', 'mentalhealth'],
    ['  #SuicidePreventionMonth ', 'suicidepreventionmonth'],
    ['селфи', 'селфи'],
    ['#Ünïcödé_2024', 'ünïcödé_2024'],
    ['心理健康', '心理健康'],
  ])('normalises %s → %s', (input, out) => expect(normalizeTag(input)).toBe(out));

  it.each([['', 'empty'], ['#', 'empty'], ['mental health', '" "'], ["it's", `"'"`], ['a\tb', '"\\t"'], ['x{y}', '"{"'], ['<img src=x onerror=alert(1)>', '"<"'], ['a'.repeat(151), 'longer']])(
    'rejects %j with a clear reason',
    (input, reason) => {
      expect(() => normalizeTag(input)).toThrow(InvalidTagError);
      expect(() => normalizeTag(input)).toThrow(reason);
    },
  );
});

describe('counts stay exact', () => {
  it('accepts UInt64 range only', () => {
    expect(toCount('18446744073709551615')).toBe('18446744073709551615');
    expect(toCount('18446744073709551616')).toBeNull();
    expect(toCount(-1)).toBeNull();
    expect(toCount(2 ** 53)).toBeNull(); // not a safe integer: may be inexact
    expect(toCount('007')).toBe('7');
    expect(toCount('1e9')).toBeNull();
    expect(Count.safeParse('00').success).toBe(false);
  });
});

describe('observation schema', () => {
  it('requires exact ⇔ precision exact, and step 0 when exact', () => {
    expect(Observation.safeParse(obs({ tag: 'a', observedAt: '2024-01-01T00:00:00.000Z', value: '1' })).success).toBe(true);
    expect(Observation.safeParse(obs({ tag: 'a', observedAt: '2024-01-01T00:00:00.000Z', value: '1', exact: false })).success).toBe(false);
    expect(Observation.safeParse(obs({ tag: 'a', observedAt: '2024-01-01T00:00:00.000Z', value: '1', step: '10' })).success).toBe(false);
  });
});

describe('cadence and job ids', () => {
  it('parses and formats cadences', () => {
    expect(parseEvery('15m')).toBe(900_000);
    expect(formatEvery(parseEvery('6h'))).toBe('6h');
    expect(() => parseEvery('5s')).toThrow(/too short/);
    expect(() => parseEvery('hourly')).toThrow(/use a number and a unit/);
  });
  it('makes BullMQ-safe job ids (no colon, not all digits)', () => {
    expect(safeJobId('obs', 'tiktok', 'a:b', '123')).toBe('obs-tiktok-a_b-123');
    expect(safeJobId('123')).toBe('j123');
  });
  it('gives ASCII ids (its fast path) exactly what the Unicode rule gives, and keeps letters and digits of any script', () => {
    const unicodeRule = (s: string) => s.replace(/[^\p{L}\p{N}_.-]/gu, '_').replace(/^(\d+)$/, 'j$1');
    for (let c = 0; c < 128; c++) {
      const ch = String.fromCharCode(c);
      expect(safeJobId(`a${ch}b`), `char ${c}`).toBe(unicodeRule(`a${ch}b`));
    }
    expect(safeJobId('sched', 'tiktok', 'селфи:٣')).toBe('sched-tiktok-селфи_٣');
    expect(safeJobId('ü', '2030-01-01T00:00:00.000Z')).toBe(unicodeRule('ü-2030-01-01T00:00:00.000Z'));
    expect(safeJobId('٣')).toBe('٣');
  });
});
