/**
 * Imports of existing series: CSV/TSV with a header (platform,tag,metric,observed_at,value[,exact,step,precision,source,note,provenance]),
 * JSONL with the same fields, and the widely used tracker TSV (`YYYY-MM-DD HH:MM:SS<TAB>views`, one file per tag).
 * Files are read as a stream (bounded memory whatever their size): `importItems` yields one validated observation or
 * one bad row (with its line number and what is wrong) per record. Times go through the one strict time parser.
 * `RoundingCheck` keeps a few numbers per series to tell display-rounded values passed off as exact counts
 * (the rule is documented in docs/collectors.md, "Import").
 */
import { Readable } from 'node:stream';
import type { z } from 'zod';
import { tryNormalizeTag } from '../schema/tag.ts';
import { toCount } from '../schema/count.ts';
import { Metric, Platform, type Observation, type Precision } from '../schema/observation.ts';
import { roundedStepForNumber, stepFromDigits } from '../collectors/common/display-count.ts';
import { parseTime } from '../util/time.ts';
import { csvRecordBatches, ImportFileError, textLines, utf8Chunks } from './csv.ts';

export { ImportFileError } from './csv.ts';

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
  /** Series whose values look display-rounded although no row says so (see RoundingCheck). */
  rounded: RoundedSeries[];
  /** The error that stopped reading the file (bad encoding, broken CSV), also listed in errors. */
  fileError?: ImportRowError;
}

export interface ImportContext {
  file: string;
  importedAt: string;
  /** For tracker-tsv: the tag of the file and the metric of its values. */
  tag?: string;
  platform?: string;
  metric?: string;
  /** `--step N`: rows without exact/step/precision are display figures rounded to this step. */
  defaultStep?: string;
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

/** Import times: the one strict parser, and a year a counter of the web can have (2000–2200). */
function observedTime(raw: string): { ok: true; iso: string } | { ok: false; message: string } {
  const r = parseTime(raw);
  if (!r.ok) return { ok: false, message: `invalid observed_at ${JSON.stringify(raw)}: it ${r.message}` };
  const year = new Date(r.ms).getUTCFullYear();
  if (year < 2000 || year > 2200) return { ok: false, message: `invalid observed_at ${JSON.stringify(raw)}: the year ${year} is outside 2000–2200 (e.g. 2024-09-10T12:00:00Z)` };
  return { ok: true, iso: r.iso };
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

/** Platform and metric names already accepted: a file repeats a handful of them on every row (bounded, never more than a few thousand). */
const acceptedNames = new Map<z.ZodType, Set<string>>();
function validName(schema: z.ZodType, name: string): boolean {
  let ok = acceptedNames.get(schema);
  if (ok?.has(name)) return true;
  if (!schema.safeParse(name).success) return false;
  if (!ok) acceptedNames.set(schema, (ok = new Set()));
  if (ok.size < 4096) ok.add(name);
  return true;
}

type RowInput = Partial<Record<(typeof REQUIRED)[number] | (typeof OPTIONAL)[number], string>>;

/** Validate one row into an observation, or say exactly what is wrong with it. */
export function rowToObservation(r: RowInput, ctx: ImportContext): { ok: true; obs: Observation; assumedExact: boolean } | { ok: false; message: string } {
  for (const k of REQUIRED) if (r[k] === undefined || r[k]!.trim() === '') return { ok: false, message: `missing ${k}` };
  const platform = r.platform!.trim().toLowerCase();
  if (!validName(Platform, platform)) return { ok: false, message: `invalid platform ${JSON.stringify(r.platform)}` };
  const tag = tryNormalizeTag(r.tag!);
  if (!tag.ok) return { ok: false, message: tag.error.message };
  const metric = r.metric!.trim().toLowerCase();
  if (!validName(Metric, metric)) return { ok: false, message: `invalid metric ${JSON.stringify(r.metric)}` };
  const time = observedTime(r.observed_at!);
  if (!time.ok) return { ok: false, message: time.message };
  const observedAt = time.iso;
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
  else if (exactFlag === undefined && ctx.defaultStep) {
    // No precision information in the row, and the user said the file holds display figures rounded to --step.
    if (BigInt(value) % BigInt(ctx.defaultStep) !== 0n) return { ok: false, message: `value ${value} is not a multiple of --step ${ctx.defaultStep}: a figure rounded to that step would be` };
    const { defaultStep, ...plain } = ctx;
    return rowToObservation({ ...r, step: defaultStep, precision: 'rounded' }, plain);
  } else precision = 'exact';
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

/** One record of an import file: a valid observation, or a bad row with what is wrong. */
export type ImportItem = { line: number; ok: true; obs: Observation; assumedExact: boolean } | { line: number; ok: false; message: string };

export interface ReadOptions {
  /** The file's encoding when it is not UTF-8 (a WHATWG label: latin1, windows-1252, utf-16le…). */
  encoding?: string;
}

type RowResult = ReturnType<typeof rowToObservation>;

function jsonRow(text: string, ctx: ImportContext): RowResult {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { ok: false, message: 'not valid JSON' };
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, message: 'expected a JSON object' };
  const rec = o as Record<string, unknown>;
  const row: RowInput = {};
  const fieldOf = (k: string) => rec[k] ?? rec[k === 'observed_at' ? 'observedAt' : k];
  // Fields are scalars: String() of a nested array recurses once per level (a stack overflow on deep input).
  const nested = [...REQUIRED, ...OPTIONAL].find((k) => typeof fieldOf(k) === 'object' && fieldOf(k) !== null);
  if (nested) return { ok: false, message: `${nested} must be a string, a number or a boolean, not an object or array` };
  for (const k of [...REQUIRED, ...OPTIONAL]) {
    const v = fieldOf(k);
    if (v !== undefined && v !== null) row[k] = typeof v === 'string' ? v : typeof v === 'number' && !Number.isSafeInteger(v) && k === 'value' ? 'unsafe' : String(v);
  }
  if (row.value === 'unsafe') return { ok: false, message: 'value is a JSON number beyond 2^53 and may have lost precision: write it as a string' };
  return rowToObservation(row, ctx);
}

/**
 * Two rows of one series at one time from one source in the same file: the second would silently replace the
 * first. Checked against the previous row of the same series (files list a series in time order), so memory stays
 * one entry per series.
 */
class RepeatedTimeCheck {
  readonly #last = new Map<string, { at: string; line: number }>();
  check(line: number, r: RowResult): ImportItem {
    if (!r.ok) return { line, ok: false, message: r.message };
    const o = r.obs;
    const key = `${o.platform}\u0000${o.tag}\u0000${o.metric}\u0000${o.source}`;
    const prev = this.#last.get(key);
    if (!prev) this.#last.set(key, { at: o.observedAt, line });
    else if (prev.at === o.observedAt) return { line, ok: false, message: `same platform, tag, metric, source and observed_at as line ${prev.line}: a series has one value per time (keep one of the two rows)` };
    else {
      // Updated in place: one entry per series for the whole file, not one object per row.
      prev.at = o.observedAt;
      prev.line = line;
    }
    return { line, ok: true, obs: o, assumedExact: r.assumedExact };
  }
}

/**
 * The records of an import file, in file order, read as a stream, in batches (one per chunk of the file, so a big
 * file costs one await per chunk rather than per row). A record that cannot become an observation is a bad row
 * (line + message); a file that cannot be read further (encoding, CSV structure, header) throws an ImportFileError
 * with its line.
 */
export async function* importItemBatches(bytes: AsyncIterable<Uint8Array>, format: ImportFormat, ctx: ImportContext, opts: ReadOptions = {}): AsyncGenerator<ImportItem[]> {
  const chunks = utf8Chunks(bytes, opts.encoding);
  const repeated = new RepeatedTimeCheck();
  if (format === 'jsonl') {
    // JSONL is rare and small next to CSV: a batch per line.
    for await (const { line, text } of textLines(chunks)) if (text.trim()) yield [repeated.check(line, jsonRow(text, ctx))];
    return;
  }
  if (format === 'tracker-tsv') {
    if (!ctx.tag) throw new ImportFileError(1, 'the tracker TSV format has one file per tag: pass --tag <tag>');
    for await (const recs of csvRecordBatches(chunks, '\t')) {
      yield recs.map((rec) => {
        const [time, value] = rec.fields;
        const n = toCount((value ?? '').trim());
        // The display rule's step, but never coarser than the digits sent (a tracker may hold an unrounded count).
        const step = n === null ? '0' : minStep(roundedStepForNumber(BigInt(n)), stepFromDigits(BigInt(n)));
        // Tracker values are TikTok display figures expanded ("124.5K" → 124500): rounded, with the display step.
        return repeated.check(rec.line, rowToObservation({ platform: ctx.platform ?? 'tiktok', tag: ctx.tag!, metric: ctx.metric ?? 'views', observed_at: time ?? '', value: value ?? '', step, precision: 'rounded', source: 'import.tracker_tsv' }, ctx));
      });
    }
    return;
  }
  let header: string[] | undefined;
  /** The known columns of the header and where they are. */
  let columns: [number, keyof RowInput][] = [];
  for await (const recs of csvRecordBatches(chunks, format === 'tsv' ? '\t' : ',')) {
    const items: ImportItem[] = [];
    for (const rec of recs) {
      if (!header) {
        header = rec.fields.map((h) => h.trim().toLowerCase());
        const missing = REQUIRED.filter((k) => !header!.includes(k));
        if (missing.length) throw new ImportFileError(rec.line, `header is missing column(s) ${missing.join(', ')}; expected ${REQUIRED.join(',')} plus optional ${OPTIONAL.join(', ')}`);
        const known: readonly string[] = [...REQUIRED, ...OPTIONAL];
        columns = header.flatMap((h, i) => (known.includes(h) ? [[i, h as keyof RowInput] as [number, keyof RowInput]] : []));
        continue;
      }
      if (rec.fields.length !== header.length) {
        items.push({ line: rec.line, ok: false, message: `expected ${header.length} fields, found ${rec.fields.length}` });
        continue;
      }
      const row: RowInput = {};
      for (const [i, k] of columns) row[k] = rec.fields[i];
      items.push(repeated.check(rec.line, rowToObservation(row, ctx)));
    }
    if (items.length) yield items;
  }
  if (!header) throw new ImportFileError(1, `the file is empty: expected a header line (${REQUIRED.join(',')}) and rows`);
}

/** The records of importItemBatches one by one. */
export async function* importItems(bytes: AsyncIterable<Uint8Array>, format: ImportFormat, ctx: ImportContext, opts: ReadOptions = {}): AsyncGenerator<ImportItem> {
  for await (const batch of importItemBatches(bytes, format, ctx, opts)) yield* batch;
}

/** A series that looks display-rounded although its rows say nothing about precision. */
export interface RoundedSeries {
  platform: string;
  tag: string;
  metric: string;
  /** Rows of the series without precision information. */
  rows: number;
  /** Distinct values among them (changes from one row to the next, plus one). */
  distinct: number;
  /** Every one of those values is a multiple of 10^zeros. */
  zeros: number;
  /** Longest run of rows repeating the same value. */
  longestRun: number;
  firstLine: number;
}

/**
 * Evidence needed to call a series display-rounded: every value a multiple of 10^k, over d distinct values, with
 * d·k ≥ 15. A counter read exactly ends in k zeros by chance one time in 10^k, so d independent changes all landing
 * on multiples of 10^k happen by chance less than once in 10^15. Repeats are not counted as evidence (a dead tag's
 * exact counter repeats too); they are reported because display figures repeat for hours or days.
 */
export const ROUNDING_EVIDENCE_DIGITS = 15;

/** Per-series numbers (a handful per series, whatever the file's size) for the display-rounding rule above. */
export class RoundingCheck {
  readonly #series = new Map<string, { platform: string; tag: string; metric: string; rows: number; distinct: number; zeros: number; run: number; longestRun: number; prev: string; firstLine: number }>();

  add(item: ImportItem): void {
    if (!item.ok || !item.assumedExact) return;
    const o = item.obs;
    const key = `${o.platform}\u0000${o.tag}\u0000${o.metric}`;
    let zeros = 0;
    for (let i = o.value.length - 1; i > 0 && o.value.charCodeAt(i) === 48; i--) zeros++;
    const s = this.#series.get(key);
    if (!s) {
      this.#series.set(key, { platform: o.platform, tag: o.tag, metric: o.metric, rows: 1, distinct: 1, zeros, run: 1, longestRun: 1, prev: o.value, firstLine: item.line });
      return;
    }
    s.rows++;
    s.zeros = Math.min(s.zeros, zeros);
    if (o.value === s.prev) s.longestRun = Math.max(s.longestRun, ++s.run);
    else {
      s.distinct++;
      s.run = 1;
      s.prev = o.value;
    }
  }

  findings(): RoundedSeries[] {
    return [...this.#series.values()]
      .filter((s) => s.zeros > 0 && s.distinct * s.zeros >= ROUNDING_EVIDENCE_DIGITS)
      .map(({ platform, tag, metric, rows, distinct, zeros, longestRun, firstLine }) => ({ platform, tag, metric, rows, distinct, zeros, longestRun, firstLine }));
  }
}

/**
 * A whole import file (as text or bytes) read into memory: for tests and small inputs. The CLI streams instead
 * (src/services/import.ts); both read through importItems.
 */
export async function parseImport(text: string | Uint8Array, format: ImportFormat, ctx: ImportContext, opts: ReadOptions = {}): Promise<ImportParseResult> {
  const res: ImportParseResult = { observations: [], errors: [], assumedExact: 0, rounded: [] };
  const rounding = new RoundingCheck();
  try {
    for await (const item of importItems(Readable.from([typeof text === 'string' ? Buffer.from(text) : Buffer.from(text)]), format, ctx, opts)) {
      rounding.add(item);
      if (!item.ok) res.errors.push({ line: item.line, message: item.message });
      else {
        res.observations.push(item.obs);
        if (item.assumedExact) res.assumedExact++;
      }
    }
  } catch (e) {
    if (!(e instanceof ImportFileError)) throw e;
    res.fileError = { line: e.line, message: e.message };
    res.errors.push(res.fileError);
  }
  res.rounded = rounding.findings();
  return res;
}

/** The finer of two rounding steps (decimal strings). */
function minStep(a: string, b: string): string {
  return BigInt(a) <= BigInt(b) ? a : b;
}
