/**
 * The hostile corpus, generated at test time (the 20 MB pages are not committed): malformed pages and API responses
 * built from TikTok's real formats (render.ts) and then broken on purpose. Each item says what must not happen:
 * values that must never be returned (5 from "-5"), or that no reading at all may come back (truncated JSON).
 */
import { renderApiDetail, renderRehydrationPage } from '../../src/collectors/tiktok/render.ts';

export interface HostileInput {
  name: string;
  /** Built on demand: some bodies are 20 MB. */
  body: () => string;
  forbidden?: string[];
  mustFail?: boolean;
  /** What the TikTok parser must read from it, when the data is intact despite the hostility. */
  tiktok?: { views: string; posts: string };
  /** Hang guard for this input (ms). */
  boundMs?: number;
}

const MB = 1024 * 1024;
const counts = { tag: 'mentalhealth', challengeId: '5491', views: 124_512_345_678n, posts: 3_456_789n };
const intact = { views: '124512345678', posts: '3456789' };
const api = () => renderApiDetail(counts);
const page = () => renderRehydrationPage(counts);

/** An API answer whose statsV2/stats members are replaced by raw JSON text. */
const apiWith = (statsV2: string, stats = '{}') =>
  `{"statusCode":0,"challengeInfo":{"challenge":{"id":"5491","title":"mentalhealth"},"stats":${stats},"statsV2":${statsV2}}}`;

/** `text` repeated to at least `bytes` characters. */
const filler = (text: string, bytes: number) => text.repeat(Math.ceil(bytes / text.length));

/** The body's bytes in one charset read back as another (what a wrong charset header does). */
const misdecoded = (body: string, writtenAs: 'utf8' | 'utf16le', readAs: 'utf8' | 'latin1') => Buffer.from(body, writtenAs).toString(readAs);

export function hostileCorpus(): HostileInput[] {
  const truncations = [0.1, 0.5, 0.9, 0.999].map((f) => ({ name: `API JSON truncated at ${f * 100}%`, body: () => api().slice(0, Math.floor(api().length * f)), mustFail: true }));
  return [
    ...truncations,
    { name: 'API JSON cut before its last brace', body: () => api().trimEnd().slice(0, -1), mustFail: true },
    // 20 MB pages: the data must still be found, fast, or the page refused — never a hang.
    { name: '20 MB page: filler markup before the data', body: () => page().replace('<body>', `<body><div>${filler('<p class="x">lorem 123 ipsum</p>', 20 * MB)}</div>`), tiktok: intact, boundMs: 15_000 },
    { name: '20 MB page: 20 MB string inside the data script', body: () => page().replace('"desc":"', `"desc":"${filler('a', 20 * MB)}`), tiktok: intact, boundMs: 15_000 },
    { name: '20 MB of "<"', body: () => filler('<', 20 * MB), mustFail: true, boundMs: 15_000 },
    { name: '20 MB of count-element decoys', body: () => filler('<h2 data-e2e="challenge-vvcount" ', 20 * MB), mustFail: true, boundMs: 15_000 },
    { name: '20 MB of digits', body: () => filler('1234567890', 20 * MB), mustFail: true, boundMs: 15_000 },
    { name: '20 MB unterminated script', body: () => `<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">${filler('{"a":[1,', 20 * MB)}`, mustFail: true, boundMs: 15_000 },
    // Wrong types where counts belong.
    ...(
      [
        ['{}', []],
        ['[]', []],
        ['true', ['1']],
        ['1.5', ['1', '2']],
        ['"12abc"', ['12']],
        ['"1e9"', ['1', '1000000000']],
        ['"0x1F"', ['0', '31']],
        ['"12.0"', ['12']],
        ['"١٢٣"', ['123']],
        ['"+12"', ['12']],
        ['" 12 "', []], // padding around plain digits is still the number 12
      ] as const
    ).map(([v, forbidden]) => ({ name: `statsV2.viewCount = ${v}`, body: () => apiWith(`{"viewCount":${v},"videoCount":"77"}`), forbidden: [...forbidden] })),
    { name: 'challenge.id is an object', body: () => api().replace('"id":"5491"', '"id":{"$gt":""}') },
    { name: 'statusCode is a word', body: () => api().replace(/"statusCode":\s*0/, '"statusCode":"zero"'), mustFail: true },
    { name: 'challengeInfo is a string', body: () => '{"statusCode":0,"challengeInfo":"124512345678"}', mustFail: true },
    // Negative numbers and numbers above UInt64.
    { name: 'negative exact count', body: () => apiWith('{"viewCount":"-5","videoCount":"-7"}'), forbidden: ['5', '7'] },
    { name: 'negative rounded count', body: () => apiWith('{}', '{"viewCount":-5,"videoCount":-7}'), forbidden: ['5', '7'] },
    { name: 'exact count 2^64', body: () => apiWith('{"viewCount":"18446744073709551616"}'), mustFail: true },
    { name: 'exact count of 30 digits', body: () => apiWith('{"viewCount":"999999999999999999999999999999"}'), mustFail: true },
    { name: 'rounded count 1e30', body: () => apiWith('{}', '{"viewCount":1e30}'), mustFail: true },
    { name: 'rounded count 2^53+1 (a double would make it 2^53)', body: () => apiWith('{}', '{"viewCount":9007199254740993}'), forbidden: ['9007199254740992'] },
    { name: 'rounded count with 20 significant digits', body: () => apiWith('{}', '{"viewCount":12345678901234567891}'), forbidden: ['12345678901234567000'] },
    { name: 'exact count UInt64 max is fine', body: () => apiWith('{"viewCount":"18446744073709551615","videoCount":"1"}') },
    { name: 'visible figure above UInt64', body: () => '<h2 data-e2e="challenge-vvcount"><strong>99999999999T</strong> views</h2>', mustFail: true },
    { name: 'visible figure with junk', body: () => '<h2 data-e2e="challenge-vvcount"><strong>16.4B2</strong> views</h2>', forbidden: ['16400000000', '164', '2'] },
    { name: 'visible figure with a decimal comma', body: () => '<h2 data-e2e="challenge-vvcount"><strong>1,5K</strong> views</h2>', forbidden: ['15000', '1500'] },
    // Deep nesting.
    { name: '10,000-deep nesting around the stats', body: () => apiWith(`${'['.repeat(10_000)}{"viewCount":"5"}${']'.repeat(10_000)}`), mustFail: true },
    { name: '10,000-deep objects (unbalanced)', body: () => `{"statusCode":0,"challengeInfo":${'{"a":'.repeat(10_000)}`, mustFail: true },
    { name: '1,000,000-deep arrays', body: () => '['.repeat(1_000_000) + ']'.repeat(1_000_000), mustFail: true, boundMs: 10_000 },
    { name: '10,000-deep nesting in the page script', body: () => page().replace('"webapp.challenge-detail":', `"deep":${'['.repeat(10_000)}${']'.repeat(10_000)},"webapp.challenge-detail":`), tiktok: intact },
    // Many script tags with the same id.
    { name: '100,000 empty data scripts, then the real one', body: () => filler('<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">{}</script>', 100_000 * 80) + page(), boundMs: 10_000 },
    { name: '100,000 broken data scripts', body: () => filler('<script id="SIGI_STATE" type="application/json">{"ChallengePage":</script>', 100_000 * 70), mustFail: true, boundMs: 10_000 },
    { name: 'two data scripts with different counts', body: () => page() + renderRehydrationPage({ ...counts, views: 5n, posts: 6n }) },
    // Wrong charsets.
    { name: 'UTF-16LE page read as UTF-8', body: () => misdecoded(page(), 'utf16le', 'utf8'), mustFail: true },
    { name: 'UTF-8 page read as Latin-1 (mojibake)', body: () => misdecoded(page().replace('mentalhealth"', 'mentalhealth – ’"'), 'utf8', 'latin1'), tiktok: intact },
    { name: 'UTF-16LE API JSON read as Latin-1', body: () => misdecoded(api(), 'utf16le', 'latin1'), mustFail: true },
    { name: 'byte order marks and NULs around JSON', body: () => `\ufeff\u0000${api()}\u0000` },
    { name: 'lone surrogates in strings', body: () => api().replace('"mentalhealth"', '"\ud800\udfff\ud800"') },
    // Prototype pollution attempts.
    { name: '__proto__ and constructor keys', body: () => '{"__proto__":{"statusCode":0,"challengeInfo":{"challenge":{"id":"1"},"statsV2":{"viewCount":"66"}}},"constructor":{"prototype":{"x":1}}}', mustFail: true },
  ];
}
