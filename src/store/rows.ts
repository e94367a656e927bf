/**
 * An observation as a row of observations_v2, in one place: the column objects insertObservations sends, and the same
 * row as one JSONEachRow line for writers that prepare their rows ahead of the insert (a big import formats each row
 * once while it checks the file, spools the lines, and later streams them with insertObservationLines).
 * `ObservationLine` is the strict schema of such a line: the owner's internal API checks every line a remote caller
 * sends against it (the same rules as Observation), so preformatted rows are never a way around validation.
 */
import * as z from 'zod';
import type { Observation } from '../schema/observation.ts';
import { Metric, Method, Platform, Precision, TimePrecision } from '../schema/observation.ts';
import { Count } from '../schema/count.ts';
import { Tag } from '../schema/tag.ts';
import { toChTime } from './time.ts';

/** The columns an observation is written with, in table order (ingested_at, origin and key_at are DEFAULTs). */
export const OBSERVATION_COLUMNS = [
  'platform',
  'tag',
  'metric',
  'observed_at',
  'value',
  'exact',
  'step',
  'precision',
  'source',
  'method',
  'collector_version',
  'slot',
  'fetched_at',
  'provenance',
  'note',
  'time_precision',
] as const;

export type ObservationInsertRow = Record<(typeof OBSERVATION_COLUMNS)[number], string | boolean>;

export function observationInsertRow(o: Observation): ObservationInsertRow {
  return {
    platform: o.platform,
    tag: o.tag,
    metric: o.metric,
    observed_at: toChTime(o.observedAt),
    value: o.value,
    exact: o.exact,
    step: o.step,
    precision: o.precision,
    source: o.source,
    method: o.method,
    collector_version: o.collectorVersion,
    slot: toChTime(o.slot),
    fetched_at: toChTime(o.fetchedAt),
    provenance: o.provenance,
    note: o.note,
    time_precision: o.timePrecision ?? 'instant',
  };
}

const q = JSON.stringify;

/**
 * Writes observations as JSONEachRow lines: the one definition of a line (observationLine uses it), the same text as
 * JSON.stringify(observationInsertRow(o)) (tests/unit/core/store-rows.test.ts, a property test over random sequences),
 * built without the intermediate object because a big import formats millions of them. An import's rows repeat most
 * fields from one row to the next (method, version, fetched_at, provenance, precision…), so the quoted text of each
 * run of repeated fields is kept and reused while the fields stay equal; only the fields that change are quoted again.
 * Times come from toChTime (digits and punctuation only); every other value goes through JSON.stringify.
 * `block` writes a block of lines straight into one buffer (the bytes the store sends), with no string per block.
 */
export class ObservationLineWriter {
  #platform = { raw: '', text: '' };
  #tag = { raw: '', text: '' };
  #metric = { raw: '', text: '' };
  #at = { raw: '', text: '' };
  #mid: { exact: boolean | undefined; step: string; precision: string; source: string; method: string; version: string; text: string } = { exact: undefined, step: '', precision: '', source: '', method: '', version: '', text: '' };
  #tail: { fetchedAt: string; provenance: string; note: string; timePrecision: string | undefined; text: string } | undefined;

  /** One line (no line break). */
  line(o: Observation): string {
    if (o.platform !== this.#platform.raw) this.#platform = { raw: o.platform, text: q(o.platform) };
    if (o.tag !== this.#tag.raw) this.#tag = { raw: o.tag, text: q(o.tag) };
    if (o.metric !== this.#metric.raw) this.#metric = { raw: o.metric, text: q(o.metric) };
    if (o.observedAt !== this.#at.raw) this.#at = { raw: o.observedAt, text: toChTime(o.observedAt) };
    const observedAt = this.#at.text;
    // An import's slot is its observed_at.
    const slot = o.slot === o.observedAt ? observedAt : toChTime(o.slot);
    const m = this.#mid;
    if (o.exact !== m.exact || o.step !== m.step || o.precision !== m.precision || o.source !== m.source || o.method !== m.method || o.collectorVersion !== m.version) {
      this.#mid = {
        exact: o.exact,
        step: o.step,
        precision: o.precision,
        source: o.source,
        method: o.method,
        version: o.collectorVersion,
        text: `,"exact":${o.exact ? 'true' : 'false'},"step":${q(o.step)},"precision":${q(o.precision)},"source":${q(o.source)},"method":${q(o.method)},"collector_version":${q(o.collectorVersion)},"slot":"`,
      };
    }
    const t = this.#tail;
    if (!t || o.fetchedAt !== t.fetchedAt || o.provenance !== t.provenance || o.note !== t.note || o.timePrecision !== t.timePrecision) {
      this.#tail = {
        fetchedAt: o.fetchedAt,
        provenance: o.provenance,
        note: o.note,
        timePrecision: o.timePrecision,
        text: `","fetched_at":"${toChTime(o.fetchedAt)}","provenance":${q(o.provenance)},"note":${q(o.note)},"time_precision":${q(o.timePrecision ?? 'instant')}}`,
      };
    }
    return `{"platform":${this.#platform.text},"tag":${this.#tag.text},"metric":${this.#metric.text},"observed_at":"${observedAt}","value":${q(o.value)}${this.#mid.text}${slot}${this.#tail!.text}`;
  }

  /** The lines of `rows`, each ending in "\n", as UTF-8 bytes (what insertObservationLines and the stage take). */
  block(rows: readonly Observation[]): Buffer {
    let buf = Buffer.allocUnsafe(Math.max(1024, rows.length * 400));
    let at = 0;
    for (const o of rows) {
      const line = this.line(o);
      // A UTF-16 unit is at most 3 UTF-8 bytes: make room for the worst case before writing.
      if (at + 3 * line.length + 1 > buf.length) {
        const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, at + 3 * line.length + 1));
        buf.copy(bigger, 0, 0, at);
        buf = bigger;
      }
      at += buf.write(line, at, 'utf8');
      buf[at++] = 0x0a;
    }
    return buf.subarray(0, at);
  }
}

const lineWriter = new ObservationLineWriter();

/** One JSONEachRow line (no line break) of the row insertObservations would write for `o` (see ObservationLineWriter). */
export function observationLine(o: Observation): string {
  return lineWriter.line(o);
}

const ChTimeText = z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/, "expected DateTime64(3) text 'YYYY-MM-DD HH:MM:SS.mmm' (UTC)");

/** A JSONEachRow line of observationLine, checked with the rules of Observation (a remote caller's rows). */
export const ObservationLine = z.strictObject({
  platform: Platform,
  tag: Tag,
  metric: Metric,
  observed_at: ChTimeText,
  value: Count,
  exact: z.boolean(),
  step: Count,
  precision: Precision,
  source: z.string().min(1).max(200),
  method: Method,
  collector_version: z.string().min(1).max(100),
  slot: ChTimeText,
  fetched_at: ChTimeText,
  provenance: z.string().max(2000),
  note: z.string().max(2000),
  time_precision: TimePrecision,
});

/** Lines of observationLine, each ending in "\n"; the problems of the first bad lines (1-based), or none. */
export function checkObservationLines(text: string, maxProblems = 5): string[] {
  const problems: string[] = [];
  if (text.length && !text.endsWith('\n')) problems.push('the last line has no line break');
  let start = 0;
  for (let n = 1; start < text.length && problems.length < maxProblems; n++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      problems.push(`line ${n}: not valid JSON`);
      continue;
    }
    const r = ObservationLine.safeParse(row);
    if (!r.success) problems.push(`line ${n}: ${r.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ')}`);
  }
  return problems;
}

/** How many rows a block of lines (text or bytes) holds. */
export function countLines(lines: string | Uint8Array): number {
  let n = 0;
  if (typeof lines === 'string') {
    for (let i = lines.indexOf('\n'); i !== -1; i = lines.indexOf('\n', i + 1)) n++;
    return n;
  }
  const b = Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength);
  for (let i = b.indexOf(0x0a); i !== -1; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}
