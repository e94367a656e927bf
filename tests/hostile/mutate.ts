/**
 * Seeded mutations of valid inputs for the fuzz tests: byte flips, truncation, duplication, digits inserted into
 * numbers, signs and junk around numbers, type confusion and deep nesting. Deterministic per seed, so a failing case
 * is reproduced from the seed printed with it.
 */
import { mulberry32 } from '../../src/analytics/math.ts';

type Rand = () => number;
export type Mutator = (input: string, rand: Rand) => string;

const int = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
/** Characters that matter to the parsers: digits, JSON and HTML syntax, number syntax, display suffixes, oddities. */
const ALPHABET = [...'0123456789{}[]":,<>/\\-+.eEKMBT= \n\t#&;', '\u0000', '\ufffd', '\u00a0', '\ud800'];

/** A random match of `re` in the input, or undefined. Scans a bounded number of matches. */
function randomMatch(input: string, re: RegExp, rand: Rand): RegExpMatchArray | undefined {
  const matches: RegExpMatchArray[] = [];
  for (const m of input.matchAll(re)) if (matches.push(m) >= 500) break;
  return matches.length ? pick(rand, matches) : undefined;
}

function spliceAt(input: string, at: number, remove: number, insert: string): string {
  return input.slice(0, at) + insert + input.slice(at + remove);
}

/** Apply `edit` to a random digit run, or leave the input as it is when it has none. */
function atNumber(edit: (digits: string, rand: Rand) => string): Mutator {
  return (input, rand) => {
    const m = randomMatch(input, /\d+/g, rand);
    return m ? spliceAt(input, m.index!, m[0].length, edit(m[0], rand)) : input;
  };
}

export const MUTATORS: Readonly<Record<string, Mutator>> = {
  flipBytes: (input, rand) => {
    let s = input;
    for (let i = int(rand, 1, 4); i > 0 && s.length; i--) s = spliceAt(s, int(rand, 0, s.length - 1), 1, pick(rand, ALPHABET));
    return s;
  },
  truncate: (input, rand) => input.slice(0, int(rand, 0, Math.max(0, input.length - 1))),
  duplicate: (input, rand) => {
    const from = int(rand, 0, input.length);
    const slice = input.slice(from, from + int(rand, 1, 2000));
    return spliceAt(input, int(rand, 0, input.length), 0, slice.repeat(int(rand, 1, 3)));
  },
  insertDigits: atNumber((d, rand) => spliceAt(d, int(rand, 0, d.length), 0, Array.from({ length: int(rand, 1, 25) }, () => int(rand, 0, 9)).join(''))),
  negate: atNumber((d) => `-${d}`),
  junkAfterNumber: atNumber((d, rand) => d + pick(rand, ['abc', '.5', 'e30', 'e-3', 'K', 'B', ',000', '\u0000', ' 1', '0x1F', '.', '_000'])),
  leadingZeros: atNumber((d, rand) => '0'.repeat(int(rand, 1, 30)) + d),
  typeConfusion: (input, rand) => {
    const m = randomMatch(input, /:\s*("(?:[^"\\]|\\.){0,40}"|-?\d+(?:\.\d+)?|true|false|null|\{\}|\[\])/g, rand);
    if (!m) return input;
    const replacement = pick(rand, ['{}', '[]', 'true', 'null', '"12abc"', '-5', '1.5', '1e400', '"18446744073709551616"', '18446744073709551616', '"١٢٣"', '" 7 "', '{"__proto__":{"viewCount":"9"}}']);
    return spliceAt(input, m.index!, m[0].length, `:${replacement}`);
  },
  deepNest: (input, rand) => {
    const depth = pick(rand, [10, 1000, 10_000]);
    const m = randomMatch(input, /:\s*(-?\d+|"(?:[^"\\]|\\.){0,40}"|\{)/g, rand);
    if (!m) return '['.repeat(depth) + input + ']'.repeat(depth);
    const value = m[1]!;
    // Balanced nesting around a scalar keeps the JSON valid; around an object's "{" it is left unbalanced on purpose.
    const wrapped = value === '{' ? `${'{"a":'.repeat(depth)}{` : `${'['.repeat(depth)}${value}${']'.repeat(depth)}`;
    return spliceAt(input, m.index!, m[0].length, `:${wrapped}`);
  },
};

const NAMES = Object.keys(MUTATORS);

/** One to three mutations chosen by the seed; returns the mutated input and the names applied. */
export function mutate(input: string, seed: number): { body: string; applied: string[] } {
  const rand = mulberry32(seed);
  const applied: string[] = [];
  let body = input;
  for (let i = int(rand, 1, 3); i > 0; i--) {
    const name = pick(rand, NAMES);
    applied.push(name);
    body = MUTATORS[name]!(body, rand);
  }
  return { body, applied };
}
