/**
 * Counts are UInt64 and stay exact end to end: in JS they are decimal strings (or BigInt while computing),
 * never JS numbers, which lose precision above 2^53.
 */
import * as z from 'zod';

export const UINT64_MAX = (1n << 64n) - 1n;

/** A canonical unsigned decimal string: no sign, no leading zeros (except "0"), at most UInt64 max. */
export const Count = z
  .string()
  .regex(/^(0|[1-9][0-9]*)$/, 'count must be an unsigned decimal integer string')
  .refine((s) => s.length < 20 || (s.length === 20 && BigInt(s) <= UINT64_MAX), 'count exceeds UInt64');
export type Count = z.infer<typeof Count>;

/** Parse an exact unsigned integer from a string or a safe JS integer. Returns null if it is not one. */
export function toCount(v: unknown): string | null {
  if (typeof v === 'bigint') return v >= 0n && v <= UINT64_MAX ? v.toString() : null;
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) return null;
    return String(v);
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (!/^[0-9]+$/.test(s) || s.length > 20) return null;
    const b = BigInt(s);
    return b <= UINT64_MAX ? b.toString() : null;
  }
  return null;
}
