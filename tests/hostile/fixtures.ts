/** Inputs shared by the hostile-input tests: every committed fixture, and the parsers under test. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parsers } from '../../src/collectors/parsers.ts';
import { parseTikTok } from '../../src/collectors/tiktok/parse.ts';
import type { ParseResult } from '../../src/collectors/types.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

export interface Fixture {
  /** platform/file */
  name: string;
  body: string;
}

/** Every .html/.json fixture of every platform (the hostile fixtures themselves excluded). */
export function allFixtures(): Fixture[] {
  return readdirSync(FIXTURES)
    .filter((d) => d !== 'hostile' && statSync(join(FIXTURES, d)).isDirectory())
    .flatMap((d) =>
      readdirSync(join(FIXTURES, d))
        .filter((f) => /\.(html|json)$/.test(f))
        .map((f) => ({ name: `${d}/${f}`, body: readFileSync(join(FIXTURES, d, f), 'utf8') })),
    );
}

export interface NamedParser {
  name: string;
  parse(body: string): ParseResult;
}

/**
 * Every registered parser (new platforms are covered as soon as they register), plus the TikTok dispatcher with
 * the content types and statuses it is called with by the collectors.
 */
export function parsersUnderTest(): NamedParser[] {
  return [
    ...Object.values(parsers).map((p) => ({ name: p.platform, parse: (b: string) => p.parse(b) })),
    { name: 'tiktok (200, application/json)', parse: (b: string) => parseTikTok(b, { status: 200, contentType: 'application/json; charset=utf-8' }) },
    { name: 'tiktok (200, text/html)', parse: (b: string) => parseTikTok(b, { status: 200, contentType: 'text/html; charset=utf-8' }) },
  ];
}

/** Run one parse, timing it; an exception is returned, not thrown, so the caller can report it with its input. */
export function timedParse(parse: (b: string) => ParseResult, body: string): { result?: ParseResult; error?: unknown; ms: number } {
  const t0 = performance.now();
  try {
    const result = parse(body);
    return { result, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}
