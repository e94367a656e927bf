/**
 * Reading import files: bytes → text → records, streamed, with the line each record starts on.
 *
 * CSV/TSV records come from csv-parse (RFC 4180: quoted fields, doubled quotes, CRLF, BOM). Its structural errors —
 * a quote never closed, characters after a closing quote, a stray quote inside a field, a record larger than
 * MAX_RECORD_BYTES — stop the file with the line where the bad record starts: csv-parse cannot resynchronise after
 * them, and whatever it read next would be a guess.
 *
 * Hand-written here (no library does it with line numbers): the text decoding. UTF-8 is checked with Node's
 * `buffer.isUtf8` chunk by chunk (a character split across chunks is carried over) and invalid bytes stop the file
 * with their line, instead of becoming U+FFFD; another encoding is decoded with TextDecoder({ fatal: true }) when the
 * user names it (`--encoding latin1`).
 */
import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { parse, CsvError, type InfoRecord, type Options } from 'csv-parse';

/** Largest CSV record: notes and provenance are ≤ 2,000 characters, so anything near this is a runaway quote. */
export const MAX_RECORD_BYTES = 1 << 20;

export interface CsvRecord {
  /** Line (1-based) the record starts on. */
  line: number;
  fields: string[];
}

/** The file cannot be read past `line`: bad encoding or broken CSV structure. Nothing of it should be stored. */
export class ImportFileError extends Error {
  readonly code = 'IMPORT_FILE';
  readonly retryable = false;
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

const NL = 0x0a;

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (let i = b.indexOf(NL); i !== -1; i = b.indexOf(NL, i + 1)) n++;
  return n;
}

/** Bytes at the end of `b` that start a UTF-8 character whose remaining bytes are in the next chunk. */
function incompleteUtf8Tail(b: Buffer): number {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const byte = b[b.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

function utf8Error(chunk: Buffer, linesBefore: number, what = 'is not valid UTF-8'): ImportFileError {
  let start = 0;
  let line = linesBefore + 1;
  for (;;) {
    const end = chunk.indexOf(NL, start);
    const part = chunk.subarray(start, end === -1 ? chunk.length : end);
    if (!isUtf8(part) || end === -1) {
      const bad = part.findIndex((x) => x >= 0x80);
      const hint = bad >= 0 ? ` (byte 0x${part[bad]!.toString(16).toUpperCase().padStart(2, '0')} at byte ${bad + 1} of the line)` : '';
      return new ImportFileError(line, `${what}${hint}: if the file is in another encoding, name it, e.g. --encoding latin1 or --encoding windows-1252; otherwise save it as UTF-8`);
    }
    start = end + 1;
    line++;
  }
}

/**
 * The file's bytes as UTF-8 chunks: UTF-8 input is validated and passed through; another encoding (a WHATWG label
 * such as latin1, windows-1252, utf-16le) is decoded. Invalid input throws an ImportFileError with its line.
 */
export async function* utf8Chunks(src: AsyncIterable<Uint8Array>, encoding = 'utf-8'): AsyncGenerator<Buffer> {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new ImportFileError(0, `unknown encoding ${JSON.stringify(encoding)}: use a name such as utf-8, latin1, windows-1252 or utf-16le`);
  }
  const utf8 = decoder.encoding === 'utf-8';
  let lines = 0;
  let carry: Buffer = Buffer.alloc(0);
  for await (const piece of src) {
    const chunk = carry.length ? Buffer.concat([carry, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    if (utf8) {
      const tail = incompleteUtf8Tail(chunk);
      const whole = chunk.subarray(0, chunk.length - tail);
      if (!isUtf8(whole)) throw utf8Error(whole, lines);
      carry = Buffer.from(chunk.subarray(chunk.length - tail));
      lines += countNewlines(whole);
      if (whole.length) yield whole;
    } else {
      let text: string;
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        throw new ImportFileError(lines + 1, `is not valid ${decoder.encoding} at or after this line: check --encoding`);
      }
      lines += countNewlines(chunk);
      if (text) yield Buffer.from(text, 'utf8');
    }
  }
  if (utf8 && carry.length) throw utf8Error(carry, lines, 'ends in the middle of a UTF-8 character');
  if (!utf8) {
    try {
      const rest = decoder.decode();
      if (rest) yield Buffer.from(rest, 'utf8');
    } catch {
      throw new ImportFileError(lines + 1, `ends in the middle of a ${decoder.encoding} character: check --encoding`);
    }
  }
}

/** Lines of UTF-8 chunks (for JSONL), numbered from 1, without their line break. */
export async function* textLines(chunks: AsyncIterable<Buffer>): AsyncGenerator<{ line: number; text: string }> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let line = 0;
  let first = true;
  for await (const c of chunks) {
    let text = rest + decoder.decode(c, { stream: true });
    if (first && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    first = false;
    const parts = text.split('\n');
    rest = parts.pop()!;
    for (const p of parts) yield { line: ++line, text: p.endsWith('\r') ? p.slice(0, -1) : p };
  }
  rest += decoder.decode();
  if (rest) yield { line: ++line, text: rest };
}

function describeCsvError(e: CsvError, delimiter: string): string {
  const sep = delimiter === '\t' ? 'a tab' : `"${delimiter}"`;
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field starts on this line and is never closed, so the rest of the file would be read as one field: close the quote (and write a quote inside a quoted field as "")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `a quoted field is followed by other characters instead of ${sep} or the end of the line (e.g. "b"x): put the whole field in quotes, with "" for a quote inside`;
    case 'INVALID_OPENING_QUOTE':
      return 'a quote appears inside an unquoted field: quote the whole field and double the inner quote (e.g. "say ""hi""")';
    case 'CSV_MAX_RECORD_SIZE':
      return `a record starting here is longer than ${MAX_RECORD_BYTES} bytes — probably a quote that is never closed`;
    default:
      return `the file is not valid CSV here: ${e.message}`;
  }
}

/**
 * CSV/TSV records from UTF-8 chunks (see utf8Chunks), each with the line it starts on, in batches: all the records
 * csv-parse completed from one chunk (one await per chunk, not per record — a big import reads millions). Blank lines
 * are skipped. A structural error throws an ImportFileError with the line where the bad record starts.
 *
 * Line numbers are counted here rather than with csv-parse's `info`/`on_record` context (which builds an object per
 * record and triples the parse time): blank lines are kept as records (one empty field) so every line is seen, and a
 * record spans one line plus the line breaks inside its quoted fields.
 */
export async function* csvRecordBatches(chunks: AsyncIterable<Buffer>, delimiter: string): AsyncGenerator<CsvRecord[]> {
  const parser = parse({ delimiter, bom: true, relax_column_count: true, max_record_size: MAX_RECORD_BYTES });
  const source = Readable.from(chunks);
  let failure: { error: unknown } | undefined;
  source.on('error', (e) => parser.destroy(e));
  parser.on('error', (error) => (failure ??= { error }));
  source.pipe(parser);
  /** Line the next record starts on. */
  let next = 1;
  /** Wait until the parser has records, ends or fails. */
  const wake = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        for (const e of ['readable', 'end', 'error', 'close'] as const) parser.off(e, done);
        resolve();
      };
      for (const e of ['readable', 'end', 'error', 'close'] as const) parser.once(e, done);
    });
  try {
    for (;;) {
      const batch: CsvRecord[] = [];
      // csv-parse pushes every record of a chunk at once; read() hands them over without a promise each.
      for (let record = parser.read() as string[] | null; record !== null; record = parser.read() as string[] | null) {
        const line = next;
        next++;
        for (const f of record) if (f.includes('\n')) next += countNewlines(Buffer.from(f));
        if (record.length === 1 && record[0] === '') continue; // blank line
        batch.push({ line, fields: record });
      }
      if (batch.length) {
        yield batch;
        continue;
      }
      if (failure) throw failure.error;
      if (parser.readableEnded || parser.destroyed) break;
      await wake();
    }
  } catch (e) {
    if (e instanceof ImportFileError) throw e;
    if (e instanceof CsvError) {
      const startsAt = e.code === 'CSV_INVALID_CLOSING_QUOTE' || e.code === 'INVALID_OPENING_QUOTE' ? Number((e as CsvError & { lines?: number }).lines ?? next) : next;
      throw new ImportFileError(startsAt, describeCsvError(e, delimiter));
    }
    throw e;
  } finally {
    source.destroy();
    parser.destroy();
  }
}

/** The records of csvRecordBatches one by one. */
export async function* csvRecords(chunks: AsyncIterable<Buffer>, delimiter: string): AsyncGenerator<CsvRecord> {
  for await (const batch of csvRecordBatches(chunks, delimiter)) yield* batch;
}
