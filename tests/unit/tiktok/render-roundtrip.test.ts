import { describe, expect, it } from 'vitest';
import { parseTikTok } from '../../../src/collectors/tiktok/parse.ts';
import * as render from '../../../src/collectors/tiktok/render.ts';
import type { ChallengeCounts, ChallengeDetailCounts } from '../../../src/collectors/tiktok/render.ts';
import type { ParseResult } from '../../../src/collectors/types.ts';
import { Reading } from '../../../src/schema/observation.ts';

const TAGS = [
  'mentalhealth',
  'психическоездоровье',
  '心理健康',
  'صحة_نفسية',
  'मानसिकस्वास्थ्य',
  'ψυχικήυγεία',
  'saúdemental',
  '정신건강',
  'メンタルヘルス',
  // Not a valid tag, but renderers must still escape whatever they are given.
  `</script><h2 data-e2e="challenge-vvcount" title="views">9 views</h2>"'&amp;\u2028\u2029<!--`,
];

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Counts from 1 to 10^13, spread over every order of magnitude (so K/M/B/T and their boundaries all occur). */
function randomCount(random: () => number): bigint {
  const digits = 1 + Math.floor(random() * 13);
  let n = 0n;
  for (let i = 0; i < digits; i++) n = n * 10n + BigInt(Math.floor(random() * 10));
  return n === 0n ? 1n : n;
}

type Format = {
  name: string;
  render: (c: ChallengeDetailCounts) => string;
  format: string;
  metrics: ('views' | 'posts')[];
  /** Whether the result carries the challenge id and the tag as title. */
  identity: 'full' | 'id' | 'title';
};

const EXACT: Format[] = [
  { name: 'rehydration page', render: render.renderRehydrationPage, format: 'rehydration', metrics: ['views', 'posts'], identity: 'full' },
  { name: 'API detail', render: render.renderApiDetail, format: 'api', metrics: ['views', 'posts'], identity: 'full' },
  { name: 'SIGI script with statsV2', render: (c) => render.renderSigiScriptPage({ ...c, withStatsV2: true }), format: 'sigi_script', metrics: ['views', 'posts'], identity: 'full' },
  { name: 'SIGI inline with statsV2', render: (c) => render.renderSigiInlinePage({ ...c, withStatsV2: true }), format: 'sigi_inline', metrics: ['views', 'posts'], identity: 'full' },
];

const ROUNDED: Format[] = [
  { name: 'rehydration page without statsV2', render: (c) => render.renderRehydrationPage({ ...c, withStatsV2: false }), format: 'rehydration', metrics: ['views', 'posts'], identity: 'full' },
  { name: 'API detail without statsV2', render: (c) => render.renderApiDetail({ ...c, withStatsV2: false }), format: 'api', metrics: ['views', 'posts'], identity: 'full' },
  { name: 'SIGI script', render: render.renderSigiScriptPage, format: 'sigi_script', metrics: ['views', 'posts'], identity: 'full' },
  { name: 'SIGI inline', render: render.renderSigiInlinePage, format: 'sigi_inline', metrics: ['views', 'posts'], identity: 'full' },
  { name: '__NEXT_DATA__ page', render: render.renderNextDataPage, format: 'next_data', metrics: ['views', 'posts'], identity: 'full' },
  { name: 'h2 views page', render: render.renderH2ViewsPage, format: 'text', metrics: ['views'], identity: 'full' },
  { name: 'h2 posts page', render: render.renderH2PostsPage, format: 'text', metrics: ['posts'], identity: 'full' },
];

function readingsOf(result: ParseResult, f: Format, c: ChallengeCounts): Map<string, Reading> {
  // On a visible page the title is the heading's text, so its whitespace comes back collapsed.
  const title = f.format === 'text' ? c.tag.replace(/\s+/g, ' ') : c.tag;
  expect(result, JSON.stringify(result)).toMatchObject({ ok: true, format: f.format, challengeId: c.challengeId, title });
  if (!result.ok) throw new Error('unreachable');
  for (const r of result.readings) expect(Reading.safeParse(r).success).toBe(true);
  expect(result.readings.map((r) => r.metric)).toEqual(f.metrics);
  return new Map(result.readings.map((r) => [r.metric, r]));
}

function cases(seed: number, count: number): ChallengeCounts[] {
  const random = prng(seed);
  return Array.from({ length: count }, (_, i) => ({
    tag: TAGS[i % TAGS.length]!,
    challengeId: randomCount(random).toString(),
    views: randomCount(random),
    posts: randomCount(random),
  }));
}

describe('render → parse round trip', () => {
  describe.each(EXACT)('$name gives back the exact counts', (f) => {
    it.each([1, 2, 3])('seed %i', (seed) => {
      for (const c of cases(seed, 150)) {
        const readings = readingsOf(parseTikTok(f.render(c)), f, c);
        expect(readings.get('views')).toMatchObject({ value: c.views.toString(), precision: 'exact', step: '0' });
        expect(readings.get('posts')).toMatchObject({ value: c.posts.toString(), precision: 'exact', step: '0' });
      }
    });
  });

  describe.each(ROUNDED)('$name gives back the counts within half a step', (f) => {
    it.each([1, 2, 3])('seed %i', (seed) => {
      for (const c of cases(seed, 150)) {
        const readings = readingsOf(parseTikTok(f.render(c)), f, c);
        for (const metric of f.metrics) {
          const r = readings.get(metric)!;
          const truth = metric === 'views' ? c.views : c.posts;
          const value = BigInt(r.value);
          const diff = value > truth ? value - truth : truth - value;
          expect(2n * diff <= BigInt(r.step), `${metric} ${truth} read as ${r.value} ± ${r.step}`).toBe(true);
          // Only a plain figure below 1000 on a visible page is exact; everything else is labelled rounded.
          if (r.precision === 'exact') expect(f.format === 'text' && truth < 1000n && r.value === truth.toString()).toBe(true);
        }
      }
    });
  });

  it('emits the display-rounded value in stats and the exact one in statsV2', () => {
    const body = JSON.parse(render.renderApiDetail({ tag: 'x', challengeId: '1', views: 124512345678n, posts: 3456789n }));
    expect(body.challengeInfo.stats).toEqual({ videoCount: 3500000, viewCount: 124500000000 });
    expect(body.challengeInfo.statsV2).toEqual({ videoCount: '3456789', viewCount: '124512345678' });
  });

  it('writes counts beyond 2^53 with all their digits', () => {
    const views = 2n ** 60n + 12345n;
    const readings = readingsOf(parseTikTok(render.renderApiDetail({ tag: 'x', challengeId: '1', views, posts: 5n })), EXACT[1]!, { tag: 'x', challengeId: '1', views, posts: 5n });
    expect(readings.get('views')?.value).toBe(views.toString());
    expect(render.renderApiDetail({ tag: 'x', challengeId: '1', views, posts: 5n, withStatsV2: false })).toContain(`"viewCount":${(2n ** 60n / 10n ** 11n) * 10n ** 11n}`);
  });

  it('keeps hostile tag text inside its element and script', () => {
    const hostile = TAGS[TAGS.length - 1]!;
    const renderers = [render.renderRehydrationPage, render.renderSigiScriptPage, render.renderSigiInlinePage, render.renderNextDataPage, render.renderH2ViewsPage];
    for (const html of renderers.map((r) => r({ tag: hostile, challengeId: '1', views: 5000n, posts: 7n }))) {
      expect(html.match(/<\/script>/g)?.length).toBe(html.match(/<script/g)?.length);
      expect(html.match(/<h2 /g)?.length).toBe(1);
      for (const script of html.split('<script').slice(1).map((s) => s.slice(0, s.indexOf('</script>')))) {
        expect(script).not.toMatch(/[\u2028\u2029]|<!--|<\//);
      }
    }
  });
});

describe('rendered failures parse to their kind', () => {
  it.each([
    ['renderNotFoundPage', () => render.renderNotFoundPage('психическоездоровье'), 'not_found', '10205'],
    ['renderNotFoundApi', () => render.renderNotFoundApi(), 'not_found', '10205'],
    ['renderCaptchaApi', () => render.renderCaptchaApi(), 'captcha', '10000'],
    ['renderCaptchaPage', () => render.renderCaptchaPage(), 'captcha', undefined],
    ['renderHollowApi', () => render.renderHollowApi(), 'hollow', undefined],
    ['renderThrottledApi', () => render.renderThrottledApi(), 'throttled', '2484'],
    ['renderSomethingWentWrongPage', () => render.renderSomethingWentWrongPage(), 'no_data', undefined],
  ])('%s', (_, make, kind, platformCode) => {
    const result = parseTikTok(make());
    expect(result).toMatchObject({ ok: false, kind });
    if (platformCode !== undefined) expect(result).toMatchObject({ platformCode });
  });

  it('the not-found page also says so on screen', () => {
    expect(render.renderNotFoundPage('x')).toContain('Couldn’t find this hashtag');
  });
});
