/**
 * The Wayback Machine's CDX index (internetarchive/wayback, wayback-cdx-server): which captures of a URL prefix
 * exist, one per day at most (collapse=timestamp:8), successful ones only (filter=statuscode:200).
 */
import { parseJson } from '../common/json.ts';

export const CDX_FIELDS = ['timestamp', 'original', 'statuscode', 'mimetype', 'length', 'digest'] as const;

export interface CdxCapture {
  /** 14 digits, UTC: YYYYMMDDhhmmss. */
  timestamp: string;
  original: string;
  statusCode: string;
  mimeType: string;
  /** Compressed size in the archive, when given. */
  length: number | null;
  digest: string;
}

export class CdxError extends Error {
  readonly code = 'WAYBACK_CDX';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `YYYY-MM-DD` (or a Date) → the CDX's 8-digit day. */
export function cdxDay(d: Date): string {
  return d.toISOString().slice(0, 10).replaceAll('-', '');
}

export function cdxQueryUrl(base: string, o: { url: string; from?: Date; to?: Date }): string {
  const params = new URLSearchParams({ url: o.url, matchType: 'prefix', output: 'json', fl: CDX_FIELDS.join(','), filter: 'statuscode:200', collapse: 'timestamp:8' });
  if (o.from) params.set('from', cdxDay(o.from));
  if (o.to) params.set('to', cdxDay(o.to));
  return `${base}/cdx/search/cdx?${params.toString()}`;
}

/** `output=json`: an array of rows whose first row names the fields. An empty body means no captures. */
export function parseCdxJson(body: string): CdxCapture[] {
  if (body.trim() === '') return [];
  const parsed = parseJson(body);
  if (!parsed.ok || !Array.isArray(parsed.value)) throw new CdxError(`the CDX answer is not a JSON array${parsed.ok ? '' : ` (${parsed.error})`}`);
  const [header, ...rows] = parsed.value as unknown[];
  if (header === undefined) return [];
  if (!Array.isArray(header) || !header.every((h) => typeof h === 'string')) throw new CdxError('the CDX answer has no header row');
  const col = (name: string) => (header as string[]).indexOf(name);
  const [ts, original, status, mime, length, digest] = ['timestamp', 'original', 'statuscode', 'mimetype', 'length', 'digest'].map(col) as [number, number, number, number, number, number];
  if (ts < 0 || original < 0) throw new CdxError('the CDX answer lacks the timestamp or original column');
  const out: CdxCapture[] = [];
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    const cell = (i: number) => (i >= 0 && typeof row[i] === 'string' ? (row[i] as string) : '');
    if (!/^\d{14}$/.test(cell(ts)) || !/^https?:\/\//i.test(cell(original))) continue;
    const len = Number(cell(length));
    out.push({ timestamp: cell(ts), original: cell(original), statusCode: cell(status), mimeType: cell(mime), length: cell(length) !== '' && Number.isFinite(len) ? len : null, digest: cell(digest) });
  }
  return out;
}

/** 20210304101500 → 2021-03-04T10:15:00.000Z */
export function captureTime(timestamp: string): string {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(timestamp);
  if (!m) throw new CdxError(`not a 14-digit capture timestamp: ${timestamp}`);
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s)).toISOString();
}

/** The raw bytes of a capture, without the Wayback toolbar or rewriting: `/web/<ts>id_/<original>`. */
export function rawCaptureUrl(base: string, c: Pick<CdxCapture, 'timestamp' | 'original'>): string {
  return `${base}/web/${c.timestamp}id_/${c.original}`;
}

/** The capture timestamp of a raw-capture URL (the archive may redirect to the nearest capture). */
export function timestampOfCaptureUrl(url: string): string | null {
  return /\/web\/(\d{14})id_\//.exec(url)?.[1] ?? null;
}
