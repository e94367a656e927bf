/**
 * Raw evidence: the responses that ended in a parse failure, kept in the data dir so a parser can be fixed from the
 * real thing (`tagpulse parse <file>` reads them; docs/collectors.md says how to turn one into a fixture).
 *
 * Collectors attach the response to their outcome (CollectOutcome.raw) and never save anything; the collect worker
 * and `tagpulse sample` call `saveEvidence`, and the failure row keeps the returned id (raw_ref).
 *
 * Layout: <dataDir>/raw/<platform>/<kind>/<id>.json, one JSON document per response (RawRecord). The id encodes
 * platform, kind and time, so a reader validates it with one regex and builds the path from its parts: an id never
 * names a file outside the raw dir. Kept bounded: the newest `keepPerKind` per platform and kind, and at most
 * `maxBytes` in all (oldest removed first). Cookie, set-cookie and authorization headers are dropped, and well-known
 * signing/session query parameters are blanked in saved URLs.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawResponse } from '../collectors/types.ts';
import type { Config } from '../config/config.ts';
import { logger } from '../util/log.ts';

/** Failure kinds whose response is kept: the ones a parser change could fix. */
export const EVIDENCE_KINDS: ReadonlySet<string> = new Set(['malformed', 'no_data', 'hollow', 'empty', 'captcha']);

export const RAW_FORMAT = 'tagpulse-raw/1';

/** One saved response. */
export interface RawRecord {
  format: typeof RAW_FORMAT;
  id: string;
  platform: string;
  tag: string;
  /** Failure kind, or "ok" for a successful sample kept by `sample --save-raw`. */
  kind: string;
  message: string;
  url: string;
  status: number;
  headers: Record<string, string>;
  receivedAt: string;
  savedAt: string;
  collectorVersion: string;
  method: string;
  /** True when the body was longer than the per-file cap and was cut. */
  bodyTruncated: boolean;
  body: string;
}

export interface EvidenceLimits {
  /** Newest responses kept per platform and kind. */
  keepPerKind: number;
  /** Total size of the raw dir, in bytes. */
  maxBytes: number;
}

export interface EvidenceInput {
  platform: string;
  tag: string;
  kind: string;
  message: string;
  collectorVersion: string;
  method: string;
  raw: RawResponse;
}

const ID_PATTERN = /^([a-z][a-z0-9_]{0,31})--([a-z_]{1,20})--(\d{8}T\d{9}Z)--([0-9a-f]{8})$/;
const HEADERS_DROPPED = new Set(['cookie', 'set-cookie', 'set-cookie2', 'authorization', 'proxy-authorization', 'x-ig-set-www-claim']);
const URL_PARAMS_BLANKED = /^(mstoken|x-bogus|x-gnarly|_signature|verifyfp|s_v_web_id|access_token|sessionid|csrftoken)$/i;
/** Longest body kept in one file; the HTTP client caps bodies at 32 MiB. */
const MAX_BODY_CHARS = 8 * 1024 * 1024;

export function rawDirOf(dataDir: string): string {
  return join(dataDir, 'raw');
}

export function evidenceLimitsOf(cfg: Pick<Config, 'rawEvidenceKeepPerKind' | 'rawEvidenceMaxMb'>): EvidenceLimits {
  return { keepPerKind: cfg.rawEvidenceKeepPerKind, maxBytes: cfg.rawEvidenceMaxMb * 1024 * 1024 };
}

/** Parts of a valid id, or null: the only way an id becomes a path. */
export function parseEvidenceId(id: string): { platform: string; kind: string; stamp: string } | null {
  const m = typeof id === 'string' ? ID_PATTERN.exec(id) : null;
  return m ? { platform: m[1]!, kind: m[2]!, stamp: m[3]! } : null;
}

/** The file of an id under a raw dir, or null if the id is not valid. */
export function evidencePath(rawDir: string, id: string): string | null {
  const parts = parseEvidenceId(id);
  return parts ? join(rawDir, parts.platform, parts.kind, `${id}.json`) : null;
}

function newId(platform: string, kind: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:.]/g, '');
  const safeKind = /^[a-z_]{1,20}$/.test(kind) ? kind : 'other';
  return `${platform}--${safeKind}--${stamp}--${randomBytes(4).toString('hex')}`;
}

export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (!HEADERS_DROPPED.has(k.toLowerCase())) out[k.toLowerCase()] = v;
  return out;
}

export function redactUrl(raw: string): string {
  try {
    const u = new URL(raw);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    for (const key of [...u.searchParams.keys()]) if (URL_PARAMS_BLANKED.test(key)) u.searchParams.set(key, '[redacted]');
    return u.toString();
  } catch {
    return raw.slice(0, 2000);
  }
}

export function toRecord(input: EvidenceInput, now = new Date()): RawRecord {
  if (!/^[a-z][a-z0-9_]{0,31}$/.test(input.platform)) throw new Error(`invalid platform ${JSON.stringify(input.platform)}`);
  const id = newId(input.platform, input.kind, now);
  const truncated = input.raw.body.length > MAX_BODY_CHARS;
  return {
    format: RAW_FORMAT,
    id,
    platform: input.platform,
    tag: input.tag,
    kind: parseEvidenceId(id)!.kind,
    message: input.message.slice(0, 2000),
    url: redactUrl(input.raw.url),
    status: input.raw.status,
    headers: redactHeaders(input.raw.headers),
    receivedAt: input.raw.receivedAt,
    savedAt: now.toISOString(),
    collectorVersion: input.collectorVersion,
    method: input.method,
    bodyTruncated: truncated,
    body: truncated ? input.raw.body.slice(0, MAX_BODY_CHARS) : input.raw.body,
  };
}

/** Write one record under rawDir (atomically: temp file, then rename). Returns the file path. */
export async function writeRecord(rawDir: string, record: RawRecord): Promise<string> {
  const file = evidencePath(rawDir, record.id)!;
  const dir = join(rawDir, record.platform, record.kind);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(record, null, 1));
  await rename(tmp, file);
  return file;
}

/** `tagpulse sample --save-raw <dir>`: every response, kept flat as <dir>/<id>.json, unbounded (the user asked). */
export async function saveRawTo(dir: string, input: EvidenceInput, now = new Date()): Promise<string> {
  const record = toRecord(input, now);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${record.id}.json`);
  await writeFile(file, JSON.stringify(record, null, 1));
  return file;
}

/**
 * Keep a failing response as evidence in <dataDir>/raw and prune to the limits. Returns the id, or '' when the kind
 * is not kept or saving failed (evidence must never fail a sample; the failure is logged).
 */
export async function saveEvidence(dataDir: string, limits: EvidenceLimits, input: EvidenceInput, now = new Date()): Promise<string> {
  if (!EVIDENCE_KINDS.has(input.kind)) return '';
  const rawDir = rawDirOf(dataDir);
  try {
    const record = toRecord(input, now);
    await writeRecord(rawDir, record);
    await pruneEvidence(rawDir, limits, record.id);
    return record.id;
  } catch (e) {
    logger('raw-evidence').warn({ err: (e as Error).message, platform: input.platform, kind: input.kind }, 'could not keep the raw response');
    return '';
  }
}

interface FileEntry {
  id: string;
  path: string;
  bytes: number;
  stamp: string;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

/** Every saved record file: platform → kind → files, oldest first. */
async function inventory(rawDir: string): Promise<Map<string, FileEntry[]>> {
  const groups = new Map<string, FileEntry[]>();
  for (const platform of await listDir(rawDir)) {
    for (const kind of await listDir(join(rawDir, platform))) {
      const entries: FileEntry[] = [];
      for (const name of await listDir(join(rawDir, platform, kind))) {
        const id = name.endsWith('.json') ? name.slice(0, -5) : '';
        const parts = parseEvidenceId(id);
        if (!parts) continue;
        const path = join(rawDir, platform, kind, name);
        const bytes = await stat(path).then((s) => s.size, () => 0);
        entries.push({ id, path, bytes, stamp: parts.stamp });
      }
      entries.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : a.id < b.id ? -1 : 1));
      groups.set(`${platform}/${kind}`, entries);
    }
  }
  return groups;
}

/** Remove the oldest records beyond `keepPerKind` per group, then the oldest overall until under `maxBytes`. */
export async function pruneEvidence(rawDir: string, limits: EvidenceLimits, keepId?: string): Promise<{ removed: number }> {
  const groups = await inventory(rawDir);
  const doomed = new Set<string>();
  const survivors: FileEntry[] = [];
  for (const entries of groups.values()) {
    const excess = Math.max(0, entries.length - limits.keepPerKind);
    entries.forEach((e, i) => (i < excess ? doomed.add(e.path) : survivors.push(e)));
  }
  survivors.sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
  let total = survivors.reduce((n, e) => n + e.bytes, 0);
  for (const e of survivors) {
    if (total <= limits.maxBytes) break;
    if (e.id === keepId && survivors.length > 1) continue; // the newest record stays even if alone it is over budget
    doomed.add(e.path);
    total -= e.bytes;
  }
  for (const path of doomed) await unlink(path).catch(() => undefined);
  return { removed: doomed.size };
}

/** A saved record by id, or null when the id is invalid or nothing is saved under it. Read-only. */
export async function readEvidence(dataDir: string, id: string): Promise<RawRecord | null> {
  const path = evidencePath(rawDirOf(dataDir), id);
  if (!path) return null;
  try {
    const parsed = parseRawRecord(await readFile(path, 'utf8'));
    return parsed && parsed.id === id ? parsed : null;
  } catch {
    return null;
  }
}

/** Saved evidence, newest first (for doctor and drift messages). */
export async function listEvidence(dataDir: string, filter: { platform?: string; limit?: number } = {}): Promise<{ id: string; path: string }[]> {
  const groups = await inventory(rawDirOf(dataDir));
  const all = [...groups.entries()].filter(([k]) => !filter.platform || k.startsWith(`${filter.platform}/`)).flatMap(([, v]) => v);
  all.sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
  return all.slice(0, filter.limit ?? 50).map((e) => ({ id: e.id, path: e.path }));
}

/** A file's text as a saved record (RAW_FORMAT), or null if it is something else (a plain page or JSON answer). */
export function parseRawRecord(text: string): RawRecord | null {
  if (!text.trimStart().startsWith('{') || !text.includes(RAW_FORMAT)) return null;
  try {
    const v = JSON.parse(text) as Partial<RawRecord>;
    if (v?.format !== RAW_FORMAT || typeof v.body !== 'string' || typeof v.platform !== 'string') return null;
    return {
      format: RAW_FORMAT,
      id: String(v.id ?? ''),
      platform: v.platform,
      tag: String(v.tag ?? ''),
      kind: String(v.kind ?? ''),
      message: String(v.message ?? ''),
      url: String(v.url ?? ''),
      status: typeof v.status === 'number' ? v.status : 0,
      headers: v.headers && typeof v.headers === 'object' ? (v.headers as Record<string, string>) : {},
      receivedAt: String(v.receivedAt ?? ''),
      savedAt: String(v.savedAt ?? ''),
      collectorVersion: String(v.collectorVersion ?? ''),
      method: String(v.method ?? ''),
      bodyTruncated: v.bodyTruncated === true,
      body: v.body,
    };
  } catch {
    return null;
  }
}

/** The shell command that re-parses saved responses, for messages and the drift alert. */
export function reparseCommand(dataDir: string, ids: readonly string[]): string {
  const rawDir = rawDirOf(dataDir);
  const files = ids.map((id) => evidencePath(rawDir, id)).filter((p): p is string => p !== null);
  return files.length ? `tagpulse parse ${files.map((f) => (/^[\w./-]+$/.test(f) ? f : `'${f.replace(/'/g, `'\\''`)}'`)).join(' ')}` : '';
}
