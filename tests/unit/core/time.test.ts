/**
 * Issue 10, finding 3 (strict time parsing): the one time parser refuses what `Date.parse` misread — impossible
 * calendar dates, bare numbers, month names, slashes, years beyond ClickHouse's range — and reads zone-less times as
 * UTC. The time-zone half runs in tests/unit/core/time-tz.test.ts (its own file sets TZ before anything reads it).
 */
import { describe, it, expect } from 'vitest';
import { parseTime, requireTime, TimeInput, TimeInputError } from '../../../src/util/time.ts';

describe('parseTime', () => {
  it.each([
    ['2024-09-10', '2024-09-10T00:00:00.000Z'],
    ['2024-09-10T12:00:00Z', '2024-09-10T12:00:00.000Z'],
    ['2024-09-10T12:00Z', '2024-09-10T12:00:00.000Z'],
    ['2024-09-10T12:00:00', '2024-09-10T12:00:00.000Z'],
    ['2024-09-10 12:00:00', '2024-09-10T12:00:00.000Z'],
    ['2024-09-10 12:00:00.250', '2024-09-10T12:00:00.250Z'],
    ['2024-09-10T14:00:00+02:00', '2024-09-10T12:00:00.000Z'],
    ['2024-09-10 14:00:00+02:00', '2024-09-10T12:00:00.000Z'],
    ['  2024-02-29T00:00:00Z ', '2024-02-29T00:00:00.000Z'],
  ])('reads %j as %s', (input, iso) => {
    const r = parseTime(input);
    expect(r).toEqual({ ok: true, iso, ms: Date.parse(iso) });
  });

  it.each([
    ['2024-02-30T00:00:00Z', /not a valid ISO 8601 time \(no such date/],
    ['2024-02-30', /no such date/],
    ['2023-02-29', /no such date/],
    ['2024-13-01', /no such date/],
    ['2024-01-01T24:00:00Z', /no such date or time of day/],
    ['1', /bare number/],
    ['1718000000000', /bare number/],
    ['Jan 5 2024', /not an ISO 8601 time/],
    ['March 7', /not an ISO 8601 time/],
    ['2024/01/07 00:00', /not an ISO 8601 time/],
    ['yesterday', /not an ISO 8601 time/],
    ['+275760-09-13T00:00:00Z', /year outside 1900–2299/],
    ['0001-01-01T00:00:00Z', /year outside 1900–2299/],
    ['2300-01-01', /year outside 1900–2299/],
    ['', /is empty/],
  ])('refuses %j, saying why and what to write', (input, why) => {
    const r = parseTime(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(why);
      expect(r.message).toMatch(/2024-09-10/); // an example of the accepted form
    }
  });

  it('requireTime names the field and the value; TimeInput is the same parser for zod', () => {
    expect(() => requireTime('1', '--at')).toThrow(TimeInputError);
    expect(() => requireTime('1', '--at')).toThrow(/^--at "1" is a bare number, not a time: use 2024-09-10/);
    expect(TimeInput.parse('2024-09-10 12:00:00')).toBe('2024-09-10T12:00:00.000Z');
    const bad = TimeInput.safeParse('March 7');
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/"March 7" is not an ISO 8601 time/);
  });
});
