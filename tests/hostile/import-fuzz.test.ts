/**
 * Mutation fuzz of the series importers (CSV, TSV, JSONL, tracker TSV): seeded mutations of valid files must never
 * throw or hang, every observation they produce must be a valid Observation whose value the file states, and every
 * rejected row must carry a line number inside the file and a message.
 */
import { describe, it, expect } from 'vitest';
import { parseImport, type ImportFormat } from '../../src/importers/series-import.ts';
import { Observation } from '../../src/schema/observation.ts';
import { mutate } from './mutate.ts';
import { countsStatedIn } from './oracle.ts';

const HEADER = 'platform,tag,metric,observed_at,value,exact,step,precision,source,note,provenance';
const CSV = [
  HEADER,
  'tiktok,mentalhealth,views,2024-01-01T00:00:00Z,124512345678,true,0,exact,tiktok.api.statsV2,"a note, with a comma",https://www.tiktok.com/tag/mentalhealth',
  'tiktok,MentalHealth,views,2024-01-02 00:00:00,"16,400,000,000",false,100000000,rounded,tiktok.page.text,"say ""hi""",',
  'tiktok,mentalhealth,posts,2024-01-03,3456789,,,,,,',
  'instagram,mentalhealth,posts,2024-01-04T12:00:00Z,47300000,,,lower_bound,press,,https://example.org/article',
].join('\n');
const SAMPLES: Record<ImportFormat, string> = {
  csv: CSV,
  tsv: CSV.replace(/"a note, with a comma"/, 'a note').replace(/"16,400,000,000"/, '16400000000').replace(/"say ""hi"""/, 'hi').replace(/,/g, '\t'),
  jsonl: [
    '{"platform":"tiktok","tag":"mentalhealth","metric":"views","observed_at":"2024-01-01T00:00:00Z","value":"124512345678","exact":true}',
    '{"platform":"tiktok","tag":"mentalhealth","metric":"posts","observedAt":"2024-01-02T00:00:00Z","value":3456789,"precision":"exact"}',
    '{"platform":"tiktok","tag":"mentalhealth","metric":"views","observed_at":"2024-01-03T00:00:00Z","value":"16400000000","step":"100000000","precision":"rounded","note":"from \\"text\\""}',
  ].join('\n'),
  'tracker-tsv': ['2024-01-01 00:00:00\t124500', '2024-01-02 00:00:00\t130100000', '2024-01-03 06:30:00\t1400000000000'].join('\n'),
};
const HANG_BOUND_MS = 2000;

describe('mutation fuzz: series importers', () => {
  for (const [format, text] of Object.entries(SAMPLES) as [ImportFormat, string][]) {
    it(`${format}: never throws or hangs; good rows are valid and stated in the file; bad rows have line numbers`, async () => {
      const ctx = { file: `fuzz.${format}`, importedAt: '2026-01-01T00:00:00.000Z', ...(format === 'tracker-tsv' ? { tag: 'mentalhealth' } : {}) };
      const clean = await parseImport(text, format, ctx);
      expect(clean.errors).toEqual([]);
      expect(clean.observations.length).toBe(text.split('\n').length - (format === 'csv' || format === 'tsv' ? 1 : 0));

      const findings: string[] = [];
      for (let k = 0; k < 1500; k++) {
        const { body, applied } = mutate(text, 77_000 + k);
        const where = `seed ${77_000 + k} [${applied.join('+')}]`;
        const t0 = performance.now();
        let parsed: Awaited<ReturnType<typeof parseImport>>;
        try {
          parsed = await parseImport(body, format, ctx);
        } catch (e) {
          findings.push(`${where}: threw ${String(e)}`);
          continue;
        }
        if (performance.now() - t0 > HANG_BOUND_MS) findings.push(`${where}: took ${Math.round(performance.now() - t0)} ms`);
        const lines = body.split(/\r\n|\r|\n/).length;
        const stated = parsed.observations.length ? countsStatedIn(body) : new Set<string>();
        for (const o of parsed.observations) {
          const v = Observation.safeParse(o);
          if (!v.success) findings.push(`${where}: invalid observation ${JSON.stringify(o).slice(0, 200)}: ${v.error.issues[0]?.message}`);
          if (!stated.has(o.value)) findings.push(`${where}: value ${o.value} is not stated in the file`);
        }
        for (const e of parsed.errors) {
          if (!Number.isInteger(e.line) || e.line < 1 || e.line > lines) findings.push(`${where}: error line ${e.line} outside 1..${lines}`);
          if (!e.message) findings.push(`${where}: error without a message`);
        }
      }
      expect(findings.slice(0, 15)).toEqual([]);
    }, 60_000);
  }
});
