import { describe, expect, it } from 'vitest';
import { formatDisplayCount, parseDisplayCount, roundForDisplay, roundedStepForNumber } from '../../../src/collectors/common/display-count.ts';
import { UINT64_MAX } from '../../../src/schema/count.ts';

describe('parseDisplayCount', () => {
  it.each([
    ['16.4B', '16400000000', '100000000'],
    ['1.1M', '1100000', '100000'],
    ['124.5K', '124500', '100'],
    ['737.5k', '737500', '100'],
    ['1.4T', '1400000000000', '100000000000'],
    ['2.3M', '2300000', '100000'],
    ['16B', '16000000000', '1000000000'],
    ['37099.0m', '37099000000', '100000'],
    ['1.234K', '1234', '1'],
    ['0.5K', '500', '100'],
    [' 16.4 B ', '16400000000', '100000000'],
    ['1,234.5M', '1234500000', '100000'],
  ])('%j is rounded: %s ± step %s', (text, value, step) => {
    expect(parseDisplayCount(text)).toEqual({ value, step, precision: 'rounded' });
  });

  it.each([
    ['1,234', '1234'],
    ['999', '999'],
    ['0', '0'],
    ['007', '7'],
    ['12\u00a0345', '12345'],
    ['12\u202f345', '12345'],
    ['18446744073709551615', UINT64_MAX.toString()],
  ])('plain integer %j is exact', (text, value) => {
    expect(parseDisplayCount(text)).toEqual({ value, step: '0', precision: 'exact' });
  });

  it.each([
    '',
    '   ',
    '-5',
    '-1.2K',
    '+5',
    '12abc',
    'abc',
    'K',
    '.5K',
    '5.K',
    '1..5K',
    '1.2.3K',
    '1.5',
    '1.2345K',
    '1.2KB',
    '16.4Bn',
    '1e6',
    'NaN',
    'Infinity',
    '١٢٣',
    '18446744073709551616',
    '18446744073709551.7K',
    '20000000T',
    '9'.repeat(100),
  ])('rejects %j', (text) => {
    expect(parseDisplayCount(text)).toBeNull();
  });

  it('computes values with integer arithmetic only', () => {
    for (let whole = 0; whole < 1000; whole += 7) {
      for (let tenth = 0; tenth < 10; tenth++) {
        const parsed = parseDisplayCount(`${whole}.${tenth}B`);
        expect(parsed?.value).toBe((BigInt(whole) * 10n ** 9n + BigInt(tenth) * 10n ** 8n).toString());
      }
    }
  });
});

describe('roundedStepForNumber', () => {
  it.each([
    [124500000000n, '100000000'],
    [18100000n, '100000'],
    [2300000n, '100000'],
    [124500n, '100'],
    [1000n, '100'],
    [1400000000000n, '100000000000'],
    [67764100000000n, '100000000000'],
    [10n ** 18n, '100000000000'],
    [999n, '1'],
    [1n, '1'],
    [0n, '1'],
  ])('%s → step %s', (n, step) => {
    expect(roundedStepForNumber(n)).toBe(step);
  });
});

describe('roundForDisplay and formatDisplayCount', () => {
  it.each([
    [16449999999n, 16400000000n, '16.4B'],
    [16450000000n, 16500000000n, '16.5B'],
    [16000000000n, 16000000000n, '16B'],
    [124512345678n, 124500000000n, '124.5B'],
    [999949n, 999900n, '999.9K'],
    [999950n, 1000000n, '1M'],
    [1049n, 1000n, '1K'],
    [1050n, 1100n, '1.1K'],
    [999n, 999n, '999'],
    [0n, 0n, '0'],
    [1403431633800n, 1400000000000n, '1.4T'],
    [1234567890123456n, 1234600000000000n, '1234.6T'],
  ])('%s → %s (%s)', (n, rounded, text) => {
    expect(roundForDisplay(n)).toBe(rounded);
    expect(formatDisplayCount(n)).toBe(text);
  });

  it('stays within half a step of the true value, including carries into the next unit', () => {
    const edges = [999n, 1000n, 999949n, 999950n, 999999n, 999949999n, 999950000n, 999999999999n, 999950000000n];
    for (let n = 1n; n < 10n ** 16n; n = n * 3n + 1n) edges.push(n, n - 1n, n + 49n);
    for (const n of edges) {
      const rounded = roundForDisplay(n);
      const step = BigInt(roundedStepForNumber(rounded));
      const diff = n > rounded ? n - rounded : rounded - n;
      expect(2n * diff <= step, `${n} → ${rounded} (step ${step})`).toBe(true);
      expect(parseDisplayCount(formatDisplayCount(n))?.value).toBe(rounded.toString());
    }
  });
});
