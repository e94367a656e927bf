import { describe, it, expect } from 'vitest';
import { durationInput, formatDuration, parseAnalyticsInput, TagList, TimeInput, AnalyticsInputError } from '../../../src/services/analytics-inputs.ts';
import { slugify, shiftToYear } from '../../../src/services/events.ts';
import { defaultExportFileName, cleanRows, type ExportInput } from '../../../src/services/export.ts';
import { touchedSeries } from '../../../src/alerts/hook.ts';
import { obs } from '../../helpers/observations.ts';

describe('inputs', () => {
  it('tag lists from flags or query strings: normalised, de-duplicated, in order', () => {
    expect(TagList.parse('#MentalHealth, suicideprevention,mentalhealth')).toEqual(['mentalhealth', 'suicideprevention']);
    expect(TagList.parse(['a,b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(() => parseAnalyticsInput(TagList, 'ok,not ok')).toThrow(/^input: invalid tag "not ok"/);
  });

  it('durations within bounds, formatted as people write them', () => {
    const d = durationInput(3_600_000, 7 * 86_400_000, '24h');
    expect(d.parse('24h')).toBe(86_400_000);
    expect(d.parse('7d')).toBe(7 * 86_400_000);
    expect(() => parseAnalyticsInput(d, '30m')).toThrow('input: "30m" is not a duration between 1h and 7d: use a number and m, h or d, e.g. 24h');
    expect([formatDuration(86_400_000), formatDuration(7 * 86_400_000), formatDuration(3_600_000), formatDuration(900_000)]).toEqual(['24h', '7d', '1h', '15m']);
  });

  it('times: ISO dates and date-times, normalised to UTC ISO', () => {
    expect(TimeInput.parse('2024-09-10')).toBe('2024-09-10T00:00:00.000Z');
    expect(TimeInput.parse('2024-09-10T12:00:00+02:00')).toBe('2024-09-10T10:00:00.000Z');
    const e = (() => {
      try {
        parseAnalyticsInput(TimeInput, 'next week');
      } catch (x) {
        return x as AnalyticsInputError;
      }
    })();
    expect(e).toMatchObject({ code: 'ANALYTICS_INPUT', retryable: false });
  });
});

describe('events helpers', () => {
  it('slugify: lowercase ASCII words joined by -', () => {
    expect(slugify('Spring Campaign 2025!')).toBe('spring-campaign-2025');
    expect(slugify('  Día Mundial — Salud Mental ')).toBe('dia-mundial-salud-mental');
    expect(slugify('🎗️')).toBe('');
  });
  it('shiftToYear keeps the calendar dates and the duration', () => {
    expect(shiftToYear({ name: 'x', slug: 'x', start: '2024-09-12T00:00:00.000Z', end: '2024-09-15T00:00:00.000Z' }, 2022)).toMatchObject({ start: '2022-09-12T00:00:00.000Z', end: '2022-09-15T00:00:00.000Z' });
  });
});

describe('export helpers', () => {
  it('default file names say what is inside', () => {
    expect(defaultExportFileName(['mentalhealth'], ['views'], 'csv', '2026-11-22T10:00:00Z', false)).toBe('tagpulse-mentalhealth-views-20261122.csv');
    expect(defaultExportFileName([], [], 'parquet', '2026-11-22T10:00:00Z', true)).toBe('tagpulse-all-all-cleaned-20261122.parquet');
    expect(defaultExportFileName(['a', 'b', 'c', 'd'], ['views', 'posts'], 'jsonl', '2026-11-22T10:00:00Z', false)).toBe('tagpulse-a+b+c+1more-views+posts-20261122.jsonl');
  });

  it('cleanRows: the adjusted series per tag and metric, counting what cleaning left out', () => {
    const row = (tag: string, h: number, value: string, extra: Record<string, unknown> = {}) => {
      const o = obs({ tag, observedAt: new Date(Date.UTC(2024, 0, 1, h)).toISOString(), value, ...extra });
      return { platform: o.platform, tag, metric: o.metric, observed_at: o.observedAt, value, exact: o.exact, step: o.step, precision: o.precision, source: o.source, method: o.method, collector_version: o.collectorVersion, slot: o.slot, fetched_at: o.fetchedAt, provenance: 'p', note: '', time_precision: 'instant', ...extra } as Parameters<typeof cleanRows>[0][number];
    };
    const out = cleanRows([row('a', 0, '100'), row('a', 1, '0'), row('a', 2, '120'), row('a', 3, '500', { precision: 'lower_bound', exact: false }), row('a', 4, '60'), row('b', 0, '7')]);
    const lines = out.jsonl.split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.tag, l.observed_at, l.value, l.raw_value, l.adjusted])).toEqual([
      // issue 11: a later, persistent drop (a revision) is removed from the earlier values, which keep their growth
      // (10/h): the old future running minimum turned it into a stall
      ['a', '2024-01-01 00:00:00.000', '20', '100', true],
      ['a', '2024-01-01 02:00:00.000', '40', '120', true],
      ['a', '2024-01-01 04:00:00.000', '60', '60', false],
      ['b', '2024-01-01 00:00:00.000', '7', '7', false],
    ]);
    // issue 11: the zero never reaches cleaning (the metrics' hourly bins leave zeros out, like the rollup)
    expect(out.stats).toEqual({ inputRows: 6, outputRows: 4, readingsNotUsed: 0, zerosLeftOut: 1, glitches: 0, revisions: 1, gaps: 0, lowerBoundsLeftOut: 1, adjustedValues: 2 });
    expect(lines[0]).toMatchObject({ provenance: 'p', source: 'tiktok.api.statsV2', analytics_version: expect.any(String) });
  });

  it('ExportInput accepts query-string shapes', async () => {
    const { ExportInput } = await import('../../../src/services/export.ts');
    const x: ExportInput = { tags: 'a,b', metric: 'views,posts', cleaned: '1' as never, format: 'parquet' };
    expect(ExportInput.parse(x)).toMatchObject({ tags: ['a', 'b'], metric: ['views', 'posts'], cleaned: true, format: 'parquet', platform: 'tiktok' });
    expect(() => parseAnalyticsInput(ExportInput, { metric: 'Views' })).toThrow(/^metric: "Views" is not a metric name/);
  });
});

describe('touchedSeries', () => {
  it('one entry per series with its earliest new sample; lower bounds are not readings', () => {
    const t = (h: number) => new Date(Date.UTC(2024, 0, 1, h)).toISOString();
    expect(
      touchedSeries([
        obs({ tag: 'a', observedAt: t(3), value: '3' }),
        obs({ tag: 'a', observedAt: t(1), value: '1' }),
        obs({ tag: 'a', metric: 'posts', observedAt: t(2), value: '2' }),
        obs({ tag: 'b', observedAt: t(0), value: '9', precision: 'lower_bound', exact: false }),
      ]),
    ).toEqual([
      { platform: 'tiktok', tag: 'a', metric: 'views', firstNewAt: Date.parse(t(1)) },
      { platform: 'tiktok', tag: 'a', metric: 'posts', firstNewAt: Date.parse(t(2)) },
    ]);
  });
});
