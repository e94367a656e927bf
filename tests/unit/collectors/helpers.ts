import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { ParseResult } from '../../../src/collectors/types.ts';
import type { Io } from '../../../src/cli/common.ts';

export const fixture = (dir: string, name: string) => readFileSync(new URL(`../../fixtures/${dir}/${name}`, import.meta.url), 'utf8');

/** Asserts a classified failure of this kind with a useful message, and returns it. */
export function expectFailure(result: ParseResult, kind: string) {
  expect(result.ok, JSON.stringify(result)).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.kind).toBe(kind);
  expect(result.message.length).toBeGreaterThan(15);
  return result;
}

export function expectReadings(result: ParseResult) {
  expect(result.ok, JSON.stringify(result)).toBe(true);
  if (!result.ok) throw new Error('unreachable');
  return result;
}

/** An Io that keeps what a command printed. */
export function captureIo(isTTY = false): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, isTTY, out: (l) => lines.push(l), err: (l) => errors.push(l) };
}
