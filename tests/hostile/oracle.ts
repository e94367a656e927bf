/**
 * The parser oracle: what a parser may return for an input, decided from the input alone.
 *
 * "Never return a number that was not read" is checked literally: every returned count must be stated in the input —
 * as a digit string (thousands separators allowed), a JSON number literal (evaluated exactly, so 1.64e10 states
 * 16400000000 but 9007199254740993 does not state 9007199254740992), or a display figure ("16.4B", "1,5 k") for
 * rounded readings — and fit UInt64. The evaluation here is independent of the parsers' own arithmetic.
 */
import { Reading } from '../../src/schema/observation.ts';
import { FailureKind } from '../../src/schema/failure.ts';
import { UINT64_MAX } from '../../src/schema/count.ts';
import type { ParseResult } from '../../src/collectors/types.ts';

const SUFFIX_EXPONENT: Record<string, number> = { k: 3, m: 6, b: 9, t: 12 };
/** A numeric phrase: digits with separators, an optional exponent, an optional K/M/B/T suffix. Bounded length. */
const PHRASE = /\d[\d.,_ \u00a0\u202f']{0,40}(?:[eE][+-]?\d{1,3})?(?:\s?[KMBTkmbt](?![a-z]))?/g;

/** digits × 10^exp as a canonical decimal string if it is a non-negative integer of at most 20 digits, else null. */
function scaled(digits: string, exp: number): string | null {
  let d = digits.replace(/^0+/, '');
  if (d === '') return '0';
  if (exp < 0) {
    if (!d.endsWith('0'.repeat(-exp))) return null;
    d = d.slice(0, d.length + exp) || '0';
  } else {
    if (d.length + exp > 20) return null;
    d += '0'.repeat(exp);
  }
  return d.length <= 20 ? d : null;
}

/** Every reading of one phrase: with ',' or '.' as the decimal mark (or none), with and without its suffix/exponent. */
function interpretations(phrase: string): string[] {
  const out: string[] = [];
  const m = /^([\d.,_ \u00a0\u202f']+?)(?:[eE]([+-]?\d+))?\s?([KMBTkmbt])?$/.exec(phrase.trim());
  if (!m) return out;
  const [, body = '', e, suffix] = m;
  const shifts = [0, ...(e ? [Number(e)] : []), ...(suffix ? [SUFFIX_EXPONENT[suffix.toLowerCase()]!] : [])];
  for (const decimalMark of ['.', ',', '']) {
    const at = decimalMark ? body.lastIndexOf(decimalMark) : -1;
    const whole = (at === -1 ? body : body.slice(0, at)).replace(/[^\d]/g, '');
    const fraction = at === -1 ? '' : body.slice(at + 1).replace(/[^\d]/g, '');
    for (const shift of shifts) {
      const v = scaled(whole + fraction, shift - fraction.length);
      if (v !== null) out.push(v);
    }
  }
  return out;
}

/** Every count the input states (see the module comment). Linear in the input. */
export function countsStatedIn(input: string): Set<string> {
  const out = new Set<string>();
  for (const run of input.matchAll(/\d+/g)) {
    const v = scaled(run[0].length > 40 ? run[0].slice(-40) : run[0], 0);
    if (v !== null) out.add(v);
  }
  for (const phrase of input.matchAll(PHRASE)) for (const v of interpretations(phrase[0])) out.add(v);
  // A phrase can start inside a neighbouring CSV field ("03,1_234"): runs grouped without commas are read on their own.
  for (const run of input.matchAll(/\d+(?:[_ \u00a0\u202f']\d+){1,10}/g)) {
    const v = scaled(run[0].replace(/\D/g, ''), 0);
    if (v !== null) out.add(v);
  }
  return out;
}

export interface OracleOptions {
  /** Values that must never come back for this input (e.g. 5 from "-5"). */
  forbidden?: readonly string[];
  /** The input cannot yield any reading (e.g. truncated JSON). */
  mustFail?: boolean;
}

/**
 * Problems with one parse result for one input: a wrong shape, an unknown failure kind, a value not stated in the
 * input or above UInt64, a forbidden value, or success where failure is required. Empty when all is well.
 */
export function resultProblems(result: ParseResult, inputs: string | readonly string[], o: OracleOptions = {}): string[] {
  if (typeof result !== 'object' || result === null || typeof result.ok !== 'boolean') return [`not a ParseResult: ${String(result)}`];
  if (!result.ok) {
    const problems: string[] = [];
    if (!FailureKind.safeParse(result.kind).success) problems.push(`unknown failure kind ${JSON.stringify(result.kind)}`);
    if (typeof result.message !== 'string' || result.message === '') problems.push('a failure without a message');
    return problems;
  }
  if (o.mustFail) return [`expected a failure, got readings ${result.readings.map((r) => `${r.metric}=${r.value}`).join(', ')}`];
  const stated = new Set<string>();
  for (const input of typeof inputs === 'string' ? [inputs] : inputs) for (const v of countsStatedIn(input)) stated.add(v);
  return result.readings.flatMap((r) => {
    const shape = Reading.safeParse(r);
    if (!shape.success) return [`invalid reading ${JSON.stringify(r)}: ${shape.error.issues.map((i) => i.message).join('; ')}`];
    const problems: string[] = [];
    if (BigInt(r.value) > UINT64_MAX) problems.push(`${r.metric}=${r.value} exceeds UInt64`);
    if (!stated.has(r.value)) problems.push(`${r.metric}=${r.value} is not stated anywhere in the input`);
    if (o.forbidden?.includes(r.value)) problems.push(`${r.metric}=${r.value} is a forbidden reading of this input`);
    // A rounded value has a step; exact values and lower bounds (a count at an integer cap, issue 13) have none.
    if ((r.precision === 'rounded') !== (r.step !== '0')) problems.push(`${r.metric}: precision ${r.precision} with step ${r.step}`);
    return problems;
  });
}
