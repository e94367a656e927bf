/**
 * Tag normalisation. A tag is stored without '#', lowercased (Unicode-aware), and may contain only
 * Unicode letters, combining marks, digits and '_'. Anything else is refused with a clear message,
 * never silently rewritten into a different tag.
 */
import * as z from 'zod';
import { TagpulseError } from '../errors.ts';

export const MAX_TAG_LENGTH = 150;

export class InvalidTagError extends TagpulseError {
  override readonly code = 'TAG_INVALID';
  constructor(readonly input: string, readonly reason: string) {
    super(`invalid tag ${JSON.stringify(input)}: ${reason}. A tag may contain letters, digits and '_' (for example: mentalhealth, suicidepreventionmonth).`);
  }
}

const TAG_RE = /^[\p{L}\p{M}\p{Nd}_]+$/u;

/** Strip one leading '#', trim, lowercase; throw InvalidTagError when the rest is not a valid tag. */
export function normalizeTag(input: string): string {
  if (typeof input !== 'string') throw new InvalidTagError(String(input), 'not a string');
  let s = input.trim().normalize('NFC');
  if (s.startsWith('#')) s = s.slice(1);
  s = s.toLowerCase();
  if (s.length === 0) throw new InvalidTagError(input, 'it is empty');
  if (s.length > MAX_TAG_LENGTH) throw new InvalidTagError(input, `it is longer than ${MAX_TAG_LENGTH} characters`);
  if (!TAG_RE.test(s)) {
    const bad = [...s].find((ch) => !TAG_RE.test(ch)) ?? '?';
    throw new InvalidTagError(input, `it contains ${JSON.stringify(bad)}`);
  }
  return s;
}

export function tryNormalizeTag(input: string): { ok: true; tag: string } | { ok: false; error: InvalidTagError } {
  try {
    return { ok: true, tag: normalizeTag(input) };
  } catch (e) {
    if (e instanceof InvalidTagError) return { ok: false, error: e };
    throw e;
  }
}

/** zod schema of an already-normalised tag. */
export const Tag = z.string().min(1).max(MAX_TAG_LENGTH).regex(TAG_RE, 'tag must be normalised: letters, digits and _ only');

/** zod schema accepting user input ("#MentalHealth") and producing the normalised tag. */
export const TagInput = z.string().transform((s, ctx) => {
  const r = tryNormalizeTag(s);
  if (!r.ok) {
    ctx.addIssue({ code: 'custom', message: r.error.message });
    return z.NEVER;
  }
  return r.tag;
});
