/**
 * Issue 15, "one duration parser": the cadence of tracked tags (parseEvery), the analytics windows (durationInput)
 * and the config's default cadence all read durations through util/duration.ts, each with its own units and bounds.
 */
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/util/duration.ts';
import { parseEvery } from '../../../src/schema/tracked.ts';
import { durationInput, parseAnalyticsInput } from '../../../src/services/analytics-inputs.ts';
import { loadConfig } from '../../../src/config/config.ts';

describe('parseDuration', () => {
  it('reads a whole number and a unit, spaces and case ignored', () => {
    expect(parseDuration('15s')).toBe(15_000);
    expect(parseDuration(' 15 M ')).toBe(900_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('250ms', ['ms'])).toBe(250);
  });

  it('refuses fractions, signs, words, sums and units the caller does not accept', () => {
    for (const bad of ['1.5h', '-1h', '1 hour', '1h30m', 'h', '', '10', '250ms']) expect(parseDuration(bad), bad).toBeUndefined();
    expect(parseDuration('15s', ['m', 'h', 'd'])).toBeUndefined();
    expect(parseDuration('99999999999999999999d')).toBeUndefined();
  });

  it('is the parser behind cadences, analytics windows and the default cadence', () => {
    expect(parseEvery('6h')).toBe(parseDuration('6h'));
    expect(() => parseEvery('5s')).toThrow(/minimum is 10s/);
    expect(() => parseEvery('1.5h')).toThrow(/invalid cadence/);
    const window = durationInput(60_000, 90 * 86_400_000, '24h or 7d');
    expect(parseAnalyticsInput(window, '7d')).toBe(parseDuration('7d'));
    expect(() => parseAnalyticsInput(window, '30s')).toThrow(/not a duration/); // windows take no seconds
    expect(loadConfig({ env: { TAGPULSE_DEFAULT_EVERY: '15m' }, cwd: '/' }).defaultEvery).toBe('15m');
    expect(() => loadConfig({ env: { TAGPULSE_DEFAULT_EVERY: '1.5h' }, cwd: '/' })).toThrow(/defaultEvery|DEFAULT_EVERY/);
  });
});
