/**
 * Mutation fuzzing of every parser: seeded mutations of every valid fixture (byte flips, truncation, duplication,
 * digits inserted into numbers, signs and junk around numbers, type confusion, deep nesting), fed to every registered
 * platform parser, the display-figure parser and the Wayback CDX parser. Each parse must not throw, must finish within
 * a generous bound (a hang guard, not a performance test), and may only return counts stated in its input and within
 * UInt64 (see oracle.ts); anything else must come back as a classified failure.
 */
import { describe, it, expect } from 'vitest';
import { parseDisplayCount } from '../../src/collectors/common/display-count.ts';
import { parseCdxJson, CdxError } from '../../src/collectors/wayback/cdx.ts';
import { UINT64_MAX } from '../../src/schema/count.ts';
import { mutate } from './mutate.ts';
import { countsStatedIn, resultProblems } from './oracle.ts';
import { allFixtures, parsersUnderTest, timedParse } from './fixtures.ts';

/** Per-input hang guard. Inputs here are at most a few hundred KB; a linear parser takes well under 50 ms. */
const HANG_BOUND_MS = 2000;
const MUTATIONS_PER_FIXTURE = 200;
const BASE_SEED = 20_240_910;

interface Finding {
  parser: string;
  fixture: string;
  seed: number;
  applied: string[];
  problems: string[];
}

const report = (findings: Finding[]) =>
  findings.slice(0, 15).map((f) => `${f.parser} × ${f.fixture} seed ${f.seed} [${f.applied.join('+')}]: ${f.problems.join('; ')}`);

describe('mutation fuzz: platform parsers', () => {
  const fixtures = allFixtures();

  it('covers every registered parser and every platform fixture', () => {
    const names = parsersUnderTest().map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['tiktok', 'instagram', 'youtube']));
    expect(fixtures.length).toBeGreaterThanOrEqual(40);
  });

  it('the oracle catches a parser that invents numbers (off by one, dropped digit, double rounding)', () => {
    const inventors = [(v: string) => String(BigInt(v) + 1n), (v: string) => v.slice(0, -1) || '1', (v: string) => String(Number(v + '3'))];
    for (const invent of inventors) {
      const flagged = fixtures.some((fx) => {
        const r = parsersUnderTest()[0]!.parse(fx.body);
        return r.ok && resultProblems({ ...r, readings: r.readings.map((x) => ({ ...x, value: invent(x.value) })) }, fx.body).length > 0;
      });
      expect(flagged).toBe(true);
    }
  });

  for (const parser of parsersUnderTest()) {
    it(`${parser.name}: never throws, never hangs, never invents a number`, () => {
      const findings: Finding[] = [];
      let parses = 0;
      for (const [i, fx] of fixtures.entries()) {
        for (let k = 0; k < MUTATIONS_PER_FIXTURE; k++) {
          const seed = BASE_SEED + i * 1000 + k;
          const { body, applied } = k === 0 ? { body: fx.body, applied: ['none'] } : mutate(fx.body, seed);
          const { result, error, ms } = timedParse(parser.parse, body);
          parses++;
          const problems = error !== undefined ? [`threw ${String(error)}`] : resultProblems(result!, body);
          if (ms > HANG_BOUND_MS) problems.push(`took ${Math.round(ms)} ms (bound ${HANG_BOUND_MS})`);
          if (problems.length) findings.push({ parser: parser.name, fixture: fx.name, seed, applied, problems });
        }
      }
      expect(report(findings)).toEqual([]);
      expect(parses).toBe(fixtures.length * MUTATIONS_PER_FIXTURE);
    }, 120_000);
  }
});

describe('mutation fuzz: display figures', () => {
  const figures = ['16.4B', '1,234', '737.5K', '999', '1.2M', '37099.0m', '18446744073709551615', '1.234K', '9.7K', '3K', '12 345', '0'];

  it('returns null or a value whose digits are the figure\'s, within UInt64, with a power-of-ten step', () => {
    const findings: string[] = [];
    for (const [i, figure] of figures.entries()) {
      for (let k = 0; k < 400; k++) {
        const { body, applied } = mutate(figure, BASE_SEED + i * 1000 + k);
        let parsed: ReturnType<typeof parseDisplayCount>;
        try {
          parsed = parseDisplayCount(body);
        } catch (e) {
          findings.push(`${JSON.stringify(body)} [${applied.join('+')}] threw ${String(e)}`);
          continue;
        }
        if (parsed === null) continue;
        const problems: string[] = [];
        if (BigInt(parsed.value) > UINT64_MAX) problems.push('exceeds UInt64');
        if (!countsStatedIn(body).has(parsed.value)) problems.push('value not stated');
        const significant = (s: string) => s.replace(/\D/g, '').replace(/^0+/, '').replace(/0+$/, '');
        if (significant(body) !== significant(parsed.value)) problems.push('digits differ from the figure');
        if (!/^(0|10*)$/.test(parsed.step) || (parsed.precision === 'exact') !== (parsed.step === '0')) problems.push(`step ${parsed.step} with precision ${parsed.precision}`);
        if (problems.length) findings.push(`${JSON.stringify(body)} [${applied.join('+')}] → ${parsed.value} (step ${parsed.step}): ${problems.join('; ')}`);
      }
    }
    expect(findings.slice(0, 15)).toEqual([]);
  });
});

describe('mutation fuzz: Wayback CDX listing', () => {
  const cdx = allFixtures().find((f) => f.name === 'wayback/cdx-mentalhealth.json')!;

  it('returns captures read from the listing or throws its own CdxError, nothing else', () => {
    const findings: string[] = [];
    for (let k = 0; k < 600; k++) {
      const { body, applied } = mutate(cdx.body, BASE_SEED + k);
      const t0 = performance.now();
      try {
        for (const c of parseCdxJson(body)) {
          if (!/^\d{14}$/.test(c.timestamp) || !body.includes(c.timestamp)) findings.push(`[${applied.join('+')}] capture timestamp ${c.timestamp} not in the listing`);
        }
      } catch (e) {
        if (!(e instanceof CdxError)) findings.push(`[${applied.join('+')}] threw ${String(e)}`);
      }
      if (performance.now() - t0 > HANG_BOUND_MS) findings.push(`[${applied.join('+')}] took ${Math.round(performance.now() - t0)} ms`);
    }
    expect(findings.slice(0, 15)).toEqual([]);
  });
});
