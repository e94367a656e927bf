import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseTikTok, parseTikTokApi, parseTikTokPage } from '../../../src/collectors/tiktok/parse.ts';
import type { ParseResult } from '../../../src/collectors/types.ts';
import { Reading } from '../../../src/schema/observation.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/tiktok/${name}`, import.meta.url), 'utf8');

const exact = (metric: string, value: string, source: string) => ({ metric, value, precision: 'exact', step: '0', source });
const rounded = (metric: string, value: string, step: string, source: string) => ({ metric, value, precision: 'rounded', step, source });

/** Asserts the result is a failure of this kind (and platform code) and returns it for further checks. */
function expectFailure(result: ParseResult, kind: string, platformCode?: string) {
  expect(result.ok, JSON.stringify(result)).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.kind).toBe(kind);
  if (platformCode !== undefined) expect(result.platformCode).toBe(platformCode);
  expect(result.message.length).toBeGreaterThan(10);
  return result;
}

describe('fixtures: formats with counts', () => {
  it.each([
    [
      'rehydration-2024.html',
      {
        format: 'rehydration',
        challengeId: '5491',
        title: 'mentalhealth',
        readings: [exact('views', '124512345678', 'tiktok.rehydration.statsV2'), exact('posts', '3456789', 'tiktok.rehydration.statsV2')],
      },
    ],
    [
      // stats.videoCount is 0: missing, not a reading. The visible h2 is not mixed in: the scope decides.
      'rehydration-no-statsv2.html',
      {
        format: 'rehydration',
        challengeId: '1629430218452997',
        title: 'sourdoughstarter',
        readings: [rounded('views', '18100000', '100000', 'tiktok.rehydration.stats')],
      },
    ],
    [
      'sigi-script-2022.html',
      {
        format: 'sigi_script',
        challengeId: '1600998433359877',
        title: 'booktok',
        readings: [rounded('views', '91200000000', '100000000', 'tiktok.sigi.stats'), rounded('posts', '1200000', '100000', 'tiktok.sigi.stats')],
      },
    ],
    [
      'sigi-inline-2021.html',
      { format: 'sigi_inline', challengeId: '1650433914446853', title: 'planttok', readings: [rounded('views', '2300000000', '100000000', 'tiktok.sigi.stats')] },
    ],
    [
      'next-data-2020.html',
      { format: 'next_data', challengeId: '99770', title: 'duett', readings: [rounded('views', '37100000000', '100000000', 'tiktok.next_data.stats')] },
    ],
    [
      'h2-views-2023.html',
      { format: 'text', challengeId: '5491', title: 'mentalhealth', readings: [rounded('views', '16400000000', '100000000', 'tiktok.page.text')] },
    ],
    [
      'h2-posts-2024.html',
      { format: 'text', challengeId: '11047', title: 'immigration', readings: [rounded('posts', '737500', '100', 'tiktok.page.text')] },
    ],
    [
      'api-detail.json',
      {
        format: 'api',
        challengeId: '5491',
        title: 'mentalhealth',
        readings: [exact('views', '124512345678', 'tiktok.api.statsV2'), exact('posts', '3456789', 'tiktok.api.statsV2')],
      },
    ],
    [
      'api-detail-stats-only.json',
      { format: 'api', challengeId: '42164', title: 'foryou', readings: [rounded('views', '6040500000000', '100000000', 'tiktok.api.stats')] },
    ],
    [
      'node-share-tag-2020.json',
      // issue 13: the shareMeta text "37099.0m views" is finer than stats (37.1B) and agrees with it, so it wins.
      { format: 'api', challengeId: '99770', title: 'duett', readings: [rounded('views', '37099000000', '100000', 'tiktok.api.shareMeta')] },
    ],
  ])('%s', (name, expected) => {
    const result = parseTikTok(fixture(name));
    expect(result).toEqual({ ok: true, ...expected });
    if (result.ok) for (const r of result.readings) expect(Reading.safeParse(r).success).toBe(true);
  });

  it('the dedicated parsers agree with the dispatcher', () => {
    expect(parseTikTokPage(fixture('rehydration-2024.html'))).toEqual(parseTikTok(fixture('rehydration-2024.html')));
    expect(parseTikTokApi(fixture('api-detail.json'))).toEqual(parseTikTok(fixture('api-detail.json')));
  });
});

describe('fixtures: failures', () => {
  it.each([
    ['captcha.json', 'captcha', '10000'],
    ['captcha.html', 'captcha', undefined],
    ['empty.html', 'empty', undefined],
    ['hollow.json', 'hollow', undefined],
    ['not-found.json', 'not_found', '10205'],
    ['not-found.html', 'not_found', undefined],
    ['restricted.json', 'restricted', '10209'],
    ['restricted-region.json', 'restricted', '10219'],
    ['throttled.json', 'throttled', '2484'],
    ['invalid-entity.json', 'blocked', '10201'],
    ['no-data.html', 'no_data', undefined],
    ['something-went-wrong.html', 'no_data', undefined],
    ['malformed-truncated.json', 'malformed', undefined],
    ['malformed-script.html', 'malformed', undefined],
  ])('%s → %s', (name, kind, platformCode) => {
    expectFailure(parseTikTok(fixture(name)), kind, platformCode);
  });

  it('messages say what happened', () => {
    expect(expectFailure(parseTikTok(fixture('throttled.json')), 'throttled').message).toContain('Too many attempts. Try again in 1 hour.');
    expect(expectFailure(parseTikTok(fixture('invalid-entity.json')), 'blocked').message).toContain('10201');
    expect(expectFailure(parseTikTok(fixture('something-went-wrong.html')), 'no_data').message).toContain('Something went wrong');
    expect(expectFailure(parseTikTok(fixture('no-data.html')), 'no_data').message).toContain('SSR variant');
    expect(expectFailure(parseTikTok(fixture('malformed-script.html')), 'malformed').message).toContain('rehydration');
  });
});

describe('HTTP-level classification', () => {
  const page = fixture('rehydration-2024.html');
  it.each([
    [429, 'throttled'],
    [401, 'blocked'],
    [403, 'blocked'],
    [404, 'not_found'],
    [500, 'server_error'],
    [502, 'server_error'],
    [503, 'server_error'],
  ])('HTTP %i → %s, whatever the body', (status, kind) => {
    expectFailure(parseTikTok(page, { status }), kind);
    expectFailure(parseTikTokPage(page, { status }), kind);
    expectFailure(parseTikTokApi('{}', { status }), kind);
  });

  it('HTTP 200 parses the body', () => {
    expect(parseTikTok(page, { status: 200 }).ok).toBe(true);
  });

  it.each(['', ' ', '\n\t \r\n', '\uFEFF'])('a blank body %j is empty', (body) => {
    expectFailure(parseTikTok(body, { status: 200 }), 'empty');
  });
});

describe('dispatch', () => {
  it('JSON-looking bodies go to the API parser, markup to the page parser', () => {
    expect(parseTikTok(`\n  ${fixture('api-detail.json')}`, { contentType: 'text/html' })).toMatchObject({ ok: true, format: 'api' });
    expect(parseTikTok(fixture('rehydration-2024.html'), { contentType: 'application/json' })).toMatchObject({ ok: true, format: 'rehydration' });
  });

  it('the content type decides for bodies that look like neither', () => {
    expect(expectFailure(parseTikTok('garbage', { contentType: 'application/json; charset=utf-8' }), 'malformed').format).toBe('api');
    expectFailure(parseTikTok('garbage', { contentType: 'text/html' }), 'no_data');
  });
});

/** A challenge-detail API body around the given challengeInfo / top-level fields. */
const api = (challengeInfo: unknown, top: Record<string, unknown> = {}) => JSON.stringify({ challengeInfo, statusCode: 0, status_code: 0, ...top });
const challenge = { id: '5491', title: 'mentalhealth' };

describe('API: choosing and reading counts', () => {
  it('statsV2 wins over stats, metric by metric, without duplicates', () => {
    const result = parseTikTokApi(api({ challenge, stats: { viewCount: 124500000000, videoCount: 3500000 }, statsV2: { viewCount: '124512345678', videoCount: '3456789' } }));
    expect(result.ok && result.readings).toEqual([exact('views', '124512345678', 'tiktok.api.statsV2'), exact('posts', '3456789', 'tiktok.api.statsV2')]);
  });

  it('a zero in statsV2 is missing, so the rounded stats value is used for that metric', () => {
    const result = parseTikTokApi(api({ challenge, stats: { viewCount: 124500000000, videoCount: 3500000 }, statsV2: { viewCount: '124512345678', videoCount: '0' } }));
    expect(result.ok && result.readings).toEqual([exact('views', '124512345678', 'tiktok.api.statsV2'), rounded('posts', '3500000', '100000', 'tiktok.api.stats')]);
  });

  it('zero counts are never readings', () => {
    const result = parseTikTokApi(api({ challenge, stats: { viewCount: 124500000000, videoCount: 0 }, statsV2: { viewCount: '124512345678', videoCount: '0' } }));
    expect(result.ok && result.readings.map((r) => r.metric)).toEqual(['views']);
    expectFailure(parseTikTokApi(api({ challenge, stats: { viewCount: 0, videoCount: 0 }, statsV2: { viewCount: '0', videoCount: '00' } })), 'hollow');
  });

  it('accepts digit strings in stats and safe integers in statsV2', () => {
    const result = parseTikTokApi(api({ challenge, stats: { viewCount: '2300000' }, statsV2: { videoCount: 45678 } }));
    expect(result.ok && result.readings).toEqual([rounded('views', '2300000', '100000', 'tiktok.api.stats'), exact('posts', '45678', 'tiktok.api.statsV2')]);
  });

  it('keeps a stats number above 2^53 as the integer TikTok wrote, labelled rounded', () => {
    const body = `{"statusCode":0,"challengeInfo":{"challenge":{"id":"1"},"stats":{"viewCount":67764100000000000,"videoCount":0}}}`;
    const result = parseTikTokApi(body);
    expect(result.ok && result.readings).toEqual([rounded('views', '67764100000000000', '100000000000', 'tiktok.api.stats')]); // 677641 × 1e11: its digits
  });

  it('accepts counts up to UInt64 max', () => {
    const result = parseTikTokApi(api({ challenge, statsV2: { viewCount: '18446744073709551615' } }));
    expect(result.ok && result.readings[0]?.value).toBe('18446744073709551615');
  });

  it.each([
    ['statsV2 with junk', `{"statsV2":{"viewCount":"123abc"}}`],
    ['statsV2 negative', `{"statsV2":{"viewCount":"-5"}}`],
    ['statsV2 decimal', `{"statsV2":{"viewCount":"12.5"}}`],
    ['statsV2 empty string', `{"statsV2":{"viewCount":""}}`],
    ['statsV2 above UInt64', `{"statsV2":{"viewCount":"18446744073709551616"}}`],
    ['statsV2 unsafe number', `{"statsV2":{"viewCount":12345678901234567890}}`],
    ['statsV2 boolean', `{"statsV2":{"viewCount":true}}`],
    ['statsV2 not an object', `{"statsV2":"124512345678"}`],
    ['stats negative', `{"stats":{"viewCount":-124500000000}}`],
    ['stats fraction', `{"stats":{"viewCount":1245.5}}`],
    ['stats overflow to Infinity', `{"stats":{"viewCount":1e400}}`],
    ['stats above UInt64', `{"stats":{"viewCount":2e19}}`],
    ['stats with junk', `{"stats":{"viewCount":"123abc"}}`],
    ['stats array', `{"stats":{"viewCount":[1]}}`],
    ['stats not an object', `{"stats":[124500000000]}`],
  ])('%s → malformed', (_, infoFields) => {
    const body = `{"statusCode":0,"challengeInfo":{"challenge":{"id":"5491"},${infoFields.slice(1)}}`;
    const failure = expectFailure(parseTikTokApi(body), 'malformed');
    expect(failure.message).toMatch(/challengeInfo\.stats/);
  });

  it('an unsafe number in statsV2 cannot be exact, even next to a usable stats value', () => {
    expectFailure(parseTikTokApi(`{"challengeInfo":{"challenge":{"id":"1"},"stats":{"viewCount":1000},"statsV2":{"viewCount":9007199254740993}}}`), 'malformed');
  });

  it('reads a numeric challenge id, and refuses ids that are not ids', () => {
    const result = parseTikTokApi(api({ challenge: { id: 99770, title: 'duett' }, stats: { viewCount: 37100000000 } }));
    expect(result).toMatchObject({ ok: true, challengeId: '99770', title: 'duett' });
    expectFailure(parseTikTokApi(api({ challenge: { id: '<script>' }, stats: { viewCount: 1000 } })), 'malformed');
    expectFailure(parseTikTokApi(api({ challenge: { id: { $oid: 1 } }, stats: { viewCount: 1000 } })), 'malformed');
  });

  it('leaves out a title that is not a plausible tag', () => {
    const result = parseTikTokApi(api({ challenge: { id: '1', title: 'x'.repeat(10_000) }, stats: { viewCount: 1000 } }));
    expect(result.ok && 'title' in result).toBe(false);
  });
});

describe('API: failure classification', () => {
  it.each([
    ['statusCode 10000', `{"statusCode":10000}`, 'captcha', '10000'],
    ['verify JSON with a numeric code', `{"code":10000,"type":"verify"}`, 'captcha', '10000'],
    ['verifyConfig', `{"verifyConfig":{"type":"verify","subtype":"3d","region":"va"},"statusCode":0}`, 'captcha', '10000'],
    ['10202 (2020 not found)', `{"statusCode":10202}`, 'not_found', '10202'],
    ['10205 as a string', `{"statusCode":"10205","statusMsg":"hashtag not exist"}`, 'not_found', '10205'],
    ['10211', `{"statusCode":10211}`, 'restricted', '10211'],
    ['10212', `{"statusCode":10212}`, 'restricted', '10212'],
    ['10219 in status_code only', `{"statusCode":0,"status_code":10219}`, 'restricted', '10219'],
    ['unknown code', `{"statusCode":10231,"statusMsg":"geofence"}`, 'blocked', '10231'],
    ['statusCode 0 without challengeInfo', `{"statusCode":0}`, 'hollow', undefined],
    ['challengeInfo null', `{"statusCode":0,"challengeInfo":null}`, 'hollow', undefined],
    ['challenge without id', `{"statusCode":0,"challengeInfo":{"challenge":{"title":"x"},"statsV2":{"viewCount":"123"}}}`, 'hollow', undefined],
    ['challenge id "0"', `{"statusCode":0,"challengeInfo":{"challenge":{"id":"0"},"statsV2":{"viewCount":"123"}}}`, 'hollow', undefined],
    ['id but no counts', `{"statusCode":0,"challengeInfo":{"challenge":{"id":"5491"},"stats":{},"statsV2":null}}`, 'hollow', undefined],
    ['empty object', `{}`, 'malformed', undefined],
    ['array', `[]`, 'malformed', undefined],
    ['null', `null`, 'malformed', undefined],
    ['number', `42`, 'malformed', undefined],
    ['challengeInfo is an array', `{"statusCode":0,"challengeInfo":[]}`, 'malformed', undefined],
    ['statusCode junk', `{"statusCode":"abc","challengeInfo":{}}`, 'malformed', undefined],
    ['statusCode negative', `{"statusCode":-1}`, 'malformed', undefined],
    ['only inherited keys', `{"__proto__":{"statusCode":0,"challengeInfo":{"challenge":{"id":"1"},"statsV2":{"viewCount":"5"}}}}`, 'malformed', undefined],
  ])('%s → %s', (_, body, kind, platformCode) => {
    expectFailure(parseTikTokApi(body), kind, platformCode);
  });
});

/** A minimal current page with the given rehydration scripts and extra body markup. */
const page = (scripts: string[], body = '') =>
  `<!DOCTYPE html><html><head><title>#x | TikTok</title></head><body><div id="app">${body}</div>${scripts.join('')}</body></html>`;
const rehydration = (json: string) => `<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">${json}</script>`;
const scope = (detail: unknown) => JSON.stringify({ __DEFAULT_SCOPE__: { 'webapp.app-context': {}, 'webapp.challenge-detail': detail } });
const goodScope = scope({ statusCode: 0, challengeInfo: { challenge, statsV2: { viewCount: '7', videoCount: '3' } } });

describe('pages', () => {
  it('uses the first script with that id that parses and has the scope', () => {
    const html = page([rehydration('{"__DEFAULT_SCOPE__":'), rehydration('{"__DEFAULT_SCOPE__":{"webapp.app-context":{}}}'), rehydration(goodScope), rehydration(scope({ statusCode: 10205 }))]);
    expect(parseTikTokPage(html)).toMatchObject({ ok: true, format: 'rehydration', readings: [{ value: '7' }, { value: '3' }] });
  });

  it('classifies the status code of the scope', () => {
    expectFailure(parseTikTokPage(page([rehydration(scope({ statusCode: 10205, statusMsg: '' }))])), 'not_found', '10205');
    expectFailure(parseTikTokPage(page([rehydration(scope({ statusCode: 10000 }))])), 'captcha', '10000');
    expectFailure(parseTikTokPage(page([rehydration(scope({ statusCode: 0, challengeInfo: { challenge: {} } }))])), 'hollow');
    expect(expectFailure(parseTikTokPage(page([rehydration(scope({ statusCode: 0, challengeInfo: { challenge, stats: { viewCount: -1 } } }))])), 'malformed').format).toBe('rehydration');
  });

  it('reads statsV2 inside the SIGI ChallengePage', () => {
    const state = { ChallengePage: { statusCode: 0, challengeInfo: { challenge, stats: { viewCount: 1200 }, statsV2: { viewCount: '1234' } } } };
    const html = page([`<script id="SIGI_STATE" type="application/json">${JSON.stringify(state)}</script>`]);
    expect(parseTikTokPage(html)).toMatchObject({ ok: true, format: 'sigi_script', readings: [exact('views', '1234', 'tiktok.sigi.statsV2')] });
  });

  it('reads inline SIGI_STATE with double quotes and without SIGI_RETRY', () => {
    const state = { ChallengePage: { statusCode: 0, challengeInfo: { challenge, stats: { viewCount: 2300000 } } } };
    const html = page([`<script>window["SIGI_STATE"]=${JSON.stringify(state)};</script>`]);
    expect(parseTikTokPage(html)).toMatchObject({ ok: true, format: 'sigi_inline', readings: [rounded('views', '2300000', '100000', 'tiktok.sigi.stats')] });
  });

  it('classifies a __NEXT_DATA__ status code', () => {
    const html = page([`<script id="__NEXT_DATA__" type="application/json">${JSON.stringify({ props: { pageProps: { statusCode: 10202 } } })}</script>`]);
    expectFailure(parseTikTokPage(html), 'not_found', '10202');
  });

  it('ignores a __NEXT_DATA__ without tag data', () => {
    const html = page([`<script id="__NEXT_DATA__" type="application/json">${JSON.stringify({ props: { pageProps: { items: [] } } })}</script>`]);
    expectFailure(parseTikTokPage(html), 'no_data');
  });

  it('takes the metric from the words of the h2, then from its title', () => {
    const h2 = (title: string, text: string) => page([], `<h2 data-e2e="challenge-vvcount" title="${title}">${text}</h2>`);
    expect(parseTikTokPage(h2('views', '1.1M posts'))).toMatchObject({ ok: true, readings: [{ metric: 'posts', value: '1100000' }] });
    expect(parseTikTokPage(h2('views', '<strong>2.3M</strong>'))).toMatchObject({ ok: true, readings: [{ metric: 'views', value: '2300000' }] });
    expectFailure(parseTikTokPage(h2('', '<strong>2.3M</strong>')), 'no_data');
    expectFailure(parseTikTokPage(h2('views', '2.3M visualizaciones y más')), 'no_data');
    expectFailure(parseTikTokPage(h2('views', '0 views')), 'no_data');
  });

  it('reads exact small figures from the text and "N videos" from challenge-item-count', () => {
    const html = page(
      [],
      '<h2 data-e2e="challenge-vvcount" title="views"><strong>1,234</strong> views</h2><h2 class="x" data-e2e="challenge-item-count">  12.5K\n videos </h2>',
    );
    expect(parseTikTokPage(html)).toMatchObject({
      ok: true,
      format: 'text',
      readings: [exact('views', '1234', 'tiktok.page.text'), rounded('posts', '12500', '100', 'tiktok.page.text')],
    });
  });

  it('keeps one reading per metric when both h2 elements count posts', () => {
    const html = page([], '<h2 data-e2e="challenge-vvcount" title="posts">1.1M posts</h2><h2 data-e2e="challenge-item-count">1.2M videos</h2>');
    expect(parseTikTokPage(html)).toMatchObject({ ok: true, readings: [{ metric: 'posts', value: '1100000' }] });
  });

  it('falls back to the 2020 meta description', () => {
    const html = `<html><head><meta content="#duett | 37.1B people have watched this. Watch short videos about #duett on TikTok." name="description"/></head><body></body></html>`;
    expect(parseTikTokPage(html)).toEqual({ ok: true, format: 'meta', readings: [rounded('views', '37100000000', '100000000', 'tiktok.page.meta')] });
  });

  it.each(["Couldn't find this hashtag", 'Couldn’t find this hashtag', 'Couldn&#39;t find this hashtag', 'COULDN&#x27;T FIND THIS HASHTAG'])('%j → not_found', (text) => {
    expectFailure(parseTikTokPage(page([], `<p class="title">${text}</p>`)), 'not_found');
  });

  it('does not take failure markers from scripts', () => {
    const i18n = `<script>var t={"nf":"Couldn't find this hashtag","v":"Verify to continue","c":"captcha_container"}</script>`;
    expectFailure(parseTikTokPage(page([i18n])), 'no_data');
  });

  it('recognises captcha pages by their markup', () => {
    expectFailure(parseTikTokPage(page([], '<div class="captcha_verify_bar--title">Verify to continue:</div>')), 'captcha');
  });

  it('data wins over markers elsewhere on the page', () => {
    const html = page([rehydration(goodScope)], '<div id="captcha_container" style="display:none"></div><p>Something went wrong</p>');
    expect(parseTikTokPage(html).ok).toBe(true);
  });

  it('decodes JSON escapes inside scripts', () => {
    const json = goodScope.replace('"mentalhealth"', '"\\u003c\\u002Fscript\\u003e\\u2028"');
    expect(parseTikTokPage(page([rehydration(json)]))).toMatchObject({ ok: true, title: '</script>\u2028' });
  });

  it('still reads a page decoded with the wrong charset', () => {
    const garbled = Buffer.from(fixture('rehydration-2024.html'), 'utf8').toString('latin1');
    expect(parseTikTokPage(garbled)).toMatchObject({ ok: true, readings: [{ value: '124512345678' }, { value: '3456789' }] });
  });
});

describe('robustness', () => {
  const deepObject = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const deepArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it.each([10_000, 100_000])('survives JSON nested %i levels deep', (depth) => {
    expectFailure(parseTikTokApi(deepObject(depth)), 'malformed');
    expectFailure(parseTikTokApi(deepArray(depth)), 'malformed');
    expectFailure(parseTikTokApi('['.repeat(depth)), 'malformed');
    expectFailure(parseTikTokPage(page([rehydration(deepObject(depth))])), 'no_data');
    expectFailure(parseTikTokPage(page([rehydration('{"a":'.repeat(depth))])), 'malformed');
    const nestedScope = scope({ statusCode: 0, challengeInfo: { challenge, statsV2: { viewCount: '7' }, deep: 'DEEP' } }).replace('"DEEP"', deepArray(depth));
    expect(parseTikTokPage(page([rehydration(nestedScope)]))).toMatchObject({ ok: true, readings: [{ value: '7' }] });
  });

  it('never throws on non-string input', () => {
    for (const input of [undefined, null, 42, {}, []]) {
      expectFailure(parseTikTok(input as unknown as string), 'malformed');
      expectFailure(parseTikTokPage(input as unknown as string), 'malformed');
      expectFailure(parseTikTokApi(input as unknown as string), 'malformed');
    }
  });

  const MB20 = 20 * 1024 * 1024;
  const hostile: [string, () => string][] = [
    ['a 20 MB page with the data at the end', () => page([' '.repeat(MB20) + rehydration(goodScope)])],
    ['20 MB of "<"', () => '<'.repeat(MB20)],
    ['20 MB of text without markup', () => 'a'.repeat(MB20)],
    ['repeated h2 decoys', () => '<h2 data-e2e="challenge-vvcount" title="views">'.repeat(MB20 / 48)],
    ['repeated count attributes without a tag', () => 'data-e2e="challenge-vvcount"'.repeat(MB20 / 28)],
    ['repeated unclosed script ids', () => '<script id="SIGI_STATE">{'.repeat(MB20 / 25)],
    ['repeated closed script ids with junk', () => '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__">{x</script>'.repeat(MB20 / 64)],
    ['repeated inline SIGI markers', () => `window['SIGI_STATE']=`.repeat(MB20 / 21)],
    ['repeated unclosed scripts and styles', () => '<script><style>'.repeat(MB20 / 15)],
    ['repeated challenge deep links', () => 'challenge/detail/'.repeat(MB20 / 17) + '<h2 data-e2e="challenge-vvcount">1 view</h2>'],
    ['repeated not-found fragments', () => 'find this hashtag '.repeat(MB20 / 18)],
    ['h2 elements full of stray "<"', () => `<h2 data-e2e="challenge-vvcount">${'<'.repeat(4000)}</h2>`.repeat(MB20 / 4040)],
    ['a huge h2', () => `<h2 data-e2e="challenge-vvcount" title="views">${'9'.repeat(MB20)} views</h2>`],
    ['a huge meta description', () => `<meta name="description" content="| ${'1'.repeat(MB20)}">`],
    ['a 20 MB JSON string', () => `{"statusCode":0,"challengeInfo":{"challenge":{"id":"1","title":"${'x'.repeat(MB20)}"},"statsV2":{"viewCount":"5"}}}`],
  ];
  // A hang guard, not a speed test: catastrophic backtracking on 20 MB would take hours, far past this bound.
  it.each(hostile)('finishes (no catastrophic backtracking) on %s', (_, make) => {
    const body = make();
    const started = performance.now();
    const result = parseTikTok(body);
    expect(performance.now() - started).toBeLessThan(30_000);
    expect(result.ok || result.message.length <= 2000).toBe(true);
  });

  it('never throws, and only returns well-formed non-zero readings, on random token soup', () => {
    const tokens = [
      '<script id="__UNIVERSAL_DATA_FOR_REHYDRATION__" type="application/json">', '<script id="SIGI_STATE">', `window['SIGI_STATE']=`, ';window[\'SIGI_RETRY\']=',
      '</script>', '<h2 data-e2e="challenge-vvcount" title="views">', '</h2>', '<strong>', '16.4B', ' views', ' posts', '{', '}', '[', ']', ',', ':', '"',
      '"__DEFAULT_SCOPE__"', '"webapp.challenge-detail"', '"ChallengePage"', '"challengeInfo"', '"challenge"', '"id"', '"statsV2"', '"stats"', '"viewCount"',
      '"videoCount"', '"statusCode"', '0', '10205', '"123"', '-1', '1e400', 'null', 'true', '\u0000', '\uD800', 'Couldn’t find this hashtag', '&#x110000;', '&#39;',
    ];
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let i = 0; i < 2000; i++) {
      const body = Array.from({ length: 1 + (next() % 60) }, () => tokens[next() % tokens.length]).join('');
      const result = parseTikTok(body);
      if (result.ok) {
        expect(result.readings.length).toBeGreaterThan(0);
        for (const r of result.readings) {
          expect(Reading.safeParse(r).success).toBe(true);
          expect(r.value).not.toBe('0');
        }
      } else {
        expect(result.message).not.toBe('');
      }
    }
  });
});
