/**
 * Imports of existing series: CSV/TSV with a header (platform,tag,metric,observed_at,value[,exact,step,precision,source,note,provenance]),
 * JSONL with the same fields, and the widely used tracker TSV (`YYYY-MM-DD HH:MM:SS<TAB>views`, one file per tag).
 * Every bad row is reported with its line number and the good rows still load (unless strict).
 */
import { z } from 'zod';
import { tryNormalizeTag } from '../schema/tag.ts';
import { toCount } from '../schema/count.ts';
import { Metric, Platform, type Observation, type Precision } from '../schema/observation.ts';
import { roundedStepForNumber } from '../collectors/common/display-count.ts';
import { readDelimited } from './csv.ts';

export const IMPORT_VERSION = 'import/1.0.0';
export type ImportFormat = 'csv' | 'tsv' | 'jsonl' | 'tracker-tsv';

export interface ImportRowError {
  line: number;
  message: string;
}

export interface ImportParseResult {
  observations: Observation[];
  errors: ImportRowError[];
  /** Rows that gave no precision information and were taken as exact. */
  assumedExact: number;
}

export interface ImportContext {
  file: string;
  importedAt: string;
  /** For tracker-tsv: the tag of the file and the metric of its values. */
  tag?: string;
  platform?: string;
  metric?: string;
}

const REQUIRED = ['platform', 'tag', 'metric', 'observed_at', 'value'] as const;
const OPTIONAL = ['exact', 'step', 'precision', 'source', 'note', 'provenance', 'time_precision'] as const;

export function detectFormat(file: string, text: string): ImportFormat {
  if (/\.jsonl$|\.ndjson$/i.test(file)) return 'jsonl';
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  if (/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?\t\s*\d/.test(first)) return 'tracker-tsv';
  if (/\.tsv$/i.test(file) || (first.includes('\t') && !first.includes(','))) return 'tsv';
  return 'csv';
}

function parseTime(s: string): string | null {
  const t = s.trim();
  if (!t) return null;
  // "2024-01-02 03:04:05" without a zone is taken as UTC (documented).
  const iso = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(t) ? t.replace(' ', 'T') + 'Z' : /^\d{4}-\d\d-\d\d$/.test(t) ? `${t}T00:00:00Z` : t;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return null;
  const year = new Date(ms).getUTCFullYear();
  if (year < 2000 || year > 2200) return null;
  return new Date(ms).toISOString();
}

function parseBool(s: string | undefined): boolean | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const v = s.trim().toLowerCase();
  if (['1', 'true', 'yes', 'y', 't'].includes(v)) return true;
  if (['0', 'false', 'no', 'n', 'f'].includes(v)) return false;
  return undefined;
}

/**
 * A count as written in a file: plain digits, or digits grouped in thousands by "," or "_" ("1,234,567"). Separators
 * anywhere else ("1,5", "12_34") make the row bad rather than being dropped into a different number.
 */
function countIn(raw: string): string | null {
  const s = raw.trim();
  return /^(\d+|\d{1,3}(?:[,_]\d{3})+)$/.test(s) ? toCount(s.replace(/[,_]/g, '')) : null;
}

type RowInput = Partial<Record<(typeof REQUIRED)[number] | (typeof OPTIONAL)[number], string>>;

/** Validate one row into an observation, or say exactly what is wrong with it. */
export function rowToObservation(r: RowInput, ctx: ImportContext): { ok: true; obs: Observation; assumedExact: boolean } | { ok: false; message: string } {
  for (const k of REQUIRED) if (r[k] === undefined || r[k]!.trim() === '') return { ok: false, message: `missing ${k}` };
  const platform = r.platform!.trim().toLowerCase();
  if (!Platform.safeParse(platform).success) return { ok: false, message: `invalid platform ${JSON.stringify(r.platform)}` };
  const tag = tryNormalizeTag(r.tag!);
  if (!tag.ok) return { ok: false, message: tag.error.message };
  const metric = r.metric!.trim().toLowerCase();
  if (!Metric.safeParse(metric).success) return { ok: false, message: `invalid metric ${JSON.stringify(r.metric)}` };
  const observedAt = parseTime(r.observed_at!);
  if (!observedAt) return { ok: false, message: `invalid observed_at ${JSON.stringify(r.observed_at)}: use ISO-8601, e.g. 2024-09-10T12:00:00Z` };
  const value = countIn(r.value!);
  if (value === null) return { ok: false, message: `invalid value ${JSON.stringify(r.value)}: expected a non-negative integer up to 18446744073709551615` };
  if (value === '0') return { ok: false, message: 'value 0 is not stored: a zero counter is a missing reading (leave the row out)' };
  const step = r.step?.trim() ? countIn(r.step) : '0';
  if (step === null) return { ok: false, message: `invalid step ${JSON.stringify(r.step)}` };
  const exactFlag = parseBool(r.exact);
  if (r.exact !== undefined && r.exact.trim() !== '' && exactFlag === undefined) return { ok: false, message: `invalid exact ${JSON.stringify(r.exact)}: use true or false` };
  let precision: Precision;
  const declared = r.precision?.trim().toLowerCase();
  if (declared) {
    if (!['exact', 'rounded', 'lower_bound'].includes(declared)) return { ok: false, message: `invalid precision ${JSON.stringify(r.precision)}: use exact, rounded or lower_bound` };
    precision = declared as Precision;
  } else if (exactFlag === false || step !== '0') precision = 'rounded';
  else precision = 'exact';
  if (precision === 'exact' && exactFlag === false) return { ok: false, message: 'exact=false contradicts precision=exact' };
  if (precision === 'exact' && step !== '0') return { ok: false, message: 'an exact value cannot have a rounding step' };
  if (precision === 'rounded' && step === '0') return { ok: false, message: 'a rounded value needs its step (e.g. 100000000 for one decimal of billions)' };
  const assumedExact = precision === 'exact' && exactFlag === undefined && !declared;
  const tp = (r.time_precision?.trim().toLowerCase() || 'instant') as Observation['timePrecision'];
  if (!['instant', 'day', 'month', 'year'].includes(tp)) return { ok: false, message: `invalid time_precision ${JSON.stringify(r.time_precision)}: use instant, day, month or year` };
  return {
    ok: true,
    assumedExact,
    obs: {
      platform,
      tag: tag.tag,
      metric,
      observedAt,
      value,
      exact: precision === 'exact',
      step: precision === 'exact' ? '0' : step,
      precision,
      source: r.source?.trim() || 'import',
      method: 'import',
      collectorVersion: IMPORT_VERSION,
      slot: observedAt,
      fetchedAt: ctx.importedAt,
      provenance: (r.provenance?.trim() || ctx.file).slice(0, 2000),
      note: (r.note ?? '').slice(0, 2000),
      timePrecision: tp,
    },
  };
}

export function parseImport(text: string, format: ImportFormat, ctx: ImportContext): ImportParseResult {
  const res: ImportParseResult = { observations: [], errors: [], assumedExact: 0 };
  const push = (line: number, r: ReturnType<typeof rowToObservation>) => {
    if (r.ok) {
      res.observations.push(r.obs);
      if (r.assumedExact) res.assumedExact++;
    } else res.errors.push({ line, message: r.message });
  };
  if (format === 'jsonl') {
    text.split(/\r?\n/).forEach((l, idx) => {
      if (!l.trim()) return;
      let o: unknown;
      try {
        o = JSON.parse(l);
      } catch {
        return res.errors.push({ line: idx + 1, message: 'not valid JSON' });
      }
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return res.errors.push({ line: idx + 1, message: 'expected a JSON object' });
      const rec = o as Record<string, unknown>;
      const row: RowInput = {};
      const fieldOf = (k: string) => rec[k] ?? rec[k === 'observed_at' ? 'observedAt' : k];
      // Fields are scalars: String() of a nested array recurses once per level (a stack overflow on deep input).
      const nested = [...REQUIRED, ...OPTIONAL].find((k) => typeof fieldOf(k) === 'object' && fieldOf(k) !== null);
      if (nested) return res.errors.push({ line: idx + 1, message: `${nested} must be a string, a number or a boolean, not an object or array` });
      for (const k of [...REQUIRED, ...OPTIONAL]) {
        const v = fieldOf(k);
        if (v !== undefined && v !== null) row[k] = typeof v === 'string' ? v : typeof v === 'number' && !Number.isSafeInteger(v) && k === 'value' ? 'unsafe' : String(v);
      }
      if (row.value === 'unsafe') return res.errors.push({ line: idx + 1, message: 'value is a JSON number beyond 2^53 and may have lost precision: write it as a string' });
      push(idx + 1, rowToObservation(row, ctx));
    });
    return res;
  }
  if (format === 'tracker-tsv') {
    if (!ctx.tag) throw new z.ZodError([{ code: 'custom', path: ['tag'], message: 'the tracker TSV format has one file per tag: pass --tag <tag>', input: undefined }]);
    for (const rec of readDelimited(text, '\t')) {
      const [time, value] = rec.fields;
      const n = toCount((value ?? '').trim());
      const step = n === null ? '0' : roundedStepForNumber(BigInt(n));
      // Tracker values are TikTok display figures expanded ("124.5K" → 124500): rounded, with the display step.
      push(rec.line, rowToObservation({ platform: ctx.platform ?? 'tiktok', tag: ctx.tag, metric: ctx.metric ?? 'views', observed_at: time ?? '', value: value ?? '', step, precision: 'rounded', source: 'import.tracker_tsv' }, ctx));
    }
    return res;
  }
  const delim = format === 'tsv' ? '\t' : ',';
  let header: string[] | undefined;
  for (const rec of readDelimited(text, delim)) {
    if (!header) {
      header = rec.fields.map((h) => h.trim().toLowerCase());
      const missing = REQUIRED.filter((k) => !header!.includes(k));
      if (missing.length) {
        res.errors.push({ line: rec.line, message: `header is missing column(s) ${missing.join(', ')}; expected ${REQUIRED.join(',')} plus optional ${OPTIONAL.join(', ')}` });
        return res;
      }
      continue;
    }
    if (rec.fields.length !== header.length) {
      res.errors.push({ line: rec.line, message: `expected ${header.length} fields, found ${rec.fields.length}` });
      continue;
    }
    const row: RowInput = {};
    header.forEach((h, i) => {
      if ((REQUIRED as readonly string[]).includes(h) || (OPTIONAL as readonly string[]).includes(h)) row[h as keyof RowInput] = rec.fields[i];
    });
    push(rec.line, rowToObservation(row, ctx));
  }
  if (!header) res.errors.push({ line: 1, message: 'the file is empty' });
  return res;
}
