/**
 * Every parser against the hostile corpus (corpus.ts): truncated JSON, 20 MB pages, wrong types, numbers with junk,
 * negative numbers and numbers above UInt64, 10,000-deep nesting, many scripts with the same id, wrong charsets.
 * No parser may throw, hang, or return a number the input does not state; where the data survived the hostility, the
 * TikTok parser must still read it exactly.
 */
import { describe, it, expect } from 'vitest';
import { parseDisplayCount } from '../../src/collectors/common/display-count.ts';
import { hostileCorpus } from './corpus.ts';
import { resultProblems } from './oracle.ts';
import { parsersUnderTest, timedParse } from './fixtures.ts';

const DEFAULT_BOUND_MS = 2000;

describe('hostile corpus × every parser', () => {
  for (const item of hostileCorpus()) {
    it(item.name, () => {
      const body = item.body();
      const bound = item.boundMs ?? DEFAULT_BOUND_MS;
      const problems: string[] = [];
      for (const parser of parsersUnderTest()) {
        const { result, error, ms } = timedParse(parser.parse, body);
        if (error !== undefined) {
          problems.push(`${parser.name}: threw ${String(error)}`);
          continue;
        }
        for (const p of resultProblems(result!, body, item)) problems.push(`${parser.name}: ${p}`);
        if (ms > bound) problems.push(`${parser.name}: took ${Math.round(ms)} ms (bound ${bound})`);
        if (item.tiktok && parser.name.startsWith('tiktok')) {
          const got = result!.ok ? Object.fromEntries(result!.readings.map((r) => [r.metric, r.value])) : result;
          if (JSON.stringify(got) !== JSON.stringify(item.tiktok)) problems.push(`${parser.name}: expected ${JSON.stringify(item.tiktok)}, got ${JSON.stringify(got).slice(0, 300)}`);
        }
      }
      expect(problems).toEqual([]);
    }, 120_000);
  }
});

describe('display figures that are not counts', () => {
  it.each(['1,5K', '9,7 k', '1 16', '16\t0M', '1,2345', '12 34', '1,234,5', '9\n8253K'])('%j is refused, not read with its separators dropped', (text) => {
    expect(parseDisplayCount(text)).toBeNull();
  });

  it.each([
    ['1,234', '1234'],
    ['1,234,567', '1234567'],
    ['12\u00a0345', '12345'],
    ['1 234 567', '1234567'],
    ['1,234.5M', '1234500000'],
  ])('%j groups thousands: %s', (text, value) => {
    expect(parseDisplayCount(text)?.value).toBe(value);
  });
});
