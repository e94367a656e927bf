import { describe, it, expect } from 'vitest';
import { parseImport, detectFormat } from '../../../src/importers/series-import.ts';

const ctx = { file: 'x.csv', importedAt: '2026-01-01T00:00:00.000Z' };

describe('series import', () => {
  it('reads CSV with optional columns, quotes and precision', async () => {
    const csv = [
      'platform,tag,metric,observed_at,value,exact,step,source,note,precision,time_precision',
      'tiktok,#MentalHealth,views,2021-09-01,16400000000,false,,nbc,"more than, 16.4B",lower_bound,month',
      'tiktok,mentalhealth,views,2024-01-01 00:00:00,124500,false,100,tracker,,,',
      'tiktok,mentalhealth,posts,2024-01-01T00:00:00Z,3456789,true,0,api,,,',
    ].join('\n');
    const r = await parseImport(csv, 'csv', ctx);
    expect(r.errors).toEqual([]);
    expect(r.observations.map((o) => [o.tag, o.metric, o.value, o.precision, o.step, o.timePrecision])).toEqual([
      ['mentalhealth', 'views', '16400000000', 'lower_bound', '0', 'month'],
      ['mentalhealth', 'views', '124500', 'rounded', '100', 'instant'],
      ['mentalhealth', 'posts', '3456789', 'exact', '0', 'instant'],
    ]);
    expect(r.observations[0]!.note).toBe('more than, 16.4B');
    expect(r.observations[1]!.observedAt).toBe('2024-01-01T00:00:00.000Z');
  });

  it('reports each bad row with its line number and keeps the good ones', async () => {
    const csv = ['platform,tag,metric,observed_at,value', 'tiktok,ok,views,2024-01-01,10', 'tiktok,bad tag,views,2024-01-01,10', 'tiktok,ok,views,not-a-date,10', 'tiktok,ok,views,2024-01-02,-5', 'tiktok,ok,views,2024-01-03,0', 'tiktok,ok,views,2024-01-04,99999999999999999999', 'tiktok,ok,views', 'tiktok,ok,views,2024-01-05,20'].join('\n');
    const r = await parseImport(csv, 'csv', ctx);
    expect(r.observations.map((o) => o.value)).toEqual(['10', '20']);
    expect(r.errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(r.errors[4]!.message).toMatch(/up to 18446744073709551615/);
    expect(r.errors[3]!.message).toMatch(/zero counter is a missing reading/);
  });

  it('reads the tracker TSV (one file per tag) as rounded display values, with a step no coarser than the digits sent', async () => {
    const tsv = '2023-12-01 06:00:00\t124500\n2023-12-02 06:00:00\t18100000\n2023-12-03 06:00:00\t18123457\n';
    expect(detectFormat('mentalhealth.tsv', tsv)).toBe('tracker-tsv');
    const r = await parseImport(tsv, 'tracker-tsv', { ...ctx, tag: 'mentalhealth' });
    expect(r.observations.map((o) => [o.value, o.step, o.precision, o.source])).toEqual([
      ['124500', '100', 'rounded', 'import.tracker_tsv'],
      ['18100000', '100000', 'rounded', 'import.tracker_tsv'],
      // Issue 13, finding 4 (same rule in the importer): 18123457 was not rounded to 100000; its digits show step 1.
      ['18123457', '1', 'rounded', 'import.tracker_tsv'],
    ]);
  });

  it('reads JSONL and refuses unsafe JSON numbers', async () => {
    const jsonl = [JSON.stringify({ platform: 'tiktok', tag: 'a', metric: 'views', observed_at: '2024-01-01T00:00:00Z', value: '9007199254740993' }), '{"platform":"tiktok","tag":"a","metric":"views","observed_at":"2024-01-02T00:00:00Z","value":9007199254740993}', 'nope'].join('\n');
    const r = await parseImport(jsonl, 'jsonl', ctx);
    expect(r.observations.map((o) => o.value)).toEqual(['9007199254740993']);
    expect(r.errors.map((e) => [e.line, e.message.slice(0, 20)])).toEqual([
      [2, 'value is a JSON numb'],
      [3, 'not valid JSON'],
    ]);
  });
});
