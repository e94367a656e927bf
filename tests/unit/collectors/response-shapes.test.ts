/**
 * Issue 13, findings 1–4: every documented TikTok and Instagram response shape is read, integer caps are lower
 * bounds, and the rounding step comes from the digits sent. Fixtures follow the documented shapes
 * (/work/shared/reference/tiktok-and-other-sources.md, docs/collectors.md); values are illustrative.
 */
import { describe, expect, it } from 'vitest';
import { parseTikTok, parseTikTokApi } from '../../../src/collectors/tiktok/parse.ts';
import { parseInstagram } from '../../../src/collectors/instagram/parse.ts';
import { detectParser } from '../../../src/collectors/parsers.ts';
import { capAware, isIntegerCap, stepFromDigits } from '../../../src/collectors/common/display-count.ts';
import { Reading } from '../../../src/schema/observation.ts';
import { expectFailure, expectReadings, fixture } from './helpers.ts';

const tt = (name: string) => fixture('tiktok', name);
const ig = (name: string) => fixture('instagram', name);
const rounded = (metric: string, value: string, step: string, source: string) => ({ metric, value, precision: 'rounded', step, source });

function valid(readings: readonly unknown[]) {
  for (const r of readings) expect(Reading.safeParse(r).success, JSON.stringify(r)).toBe(true);
}

describe('finding 1: TikTok node/share/tag (2020) with body.challengeData', () => {
  it('reads views (decimal string) and posts (number), with the id and name', () => {
    const r = expectReadings(parseTikTok(tt('node-share-tag-challengedata-2020.json')));
    expect(r.format).toBe('node_share');
    expect(r.challengeId).toBe('1234567');
    expect(r.title).toBe('mentalhealth');
    expect(r.readings).toEqual([
      rounded('views', '5314600000000', '100000000', 'tiktok.node_share.challengeData'),
      rounded('posts', '9833', '1', 'tiktok.node_share.challengeData'),
    ]);
    valid(r.readings);
  });

  it('a non-zero status beside body is classified, an empty challengeData is hollow, junk is malformed', () => {
    expectFailure(parseTikTokApi('{"statusCode":10205,"body":{}}'), 'not_found');
    expectFailure(parseTikTokApi('{"statusCode":0,"body":{"challengeData":{}}}'), 'hollow');
    expectFailure(parseTikTokApi('{"statusCode":0,"body":{"challengeData":{"challengeId":"5","views":0,"posts":0}}}'), 'hollow');
    expectFailure(parseTikTokApi('{"statusCode":0,"body":{"challengeData":{"challengeId":"5","views":"12x","posts":1}}}'), 'malformed');
  });
});

describe('every other known TikTok shape is read', () => {
  it.each([
    // [fixture, format, source of views, views value]
    ['api-detail.json', 'api', 'tiktok.api.statsV2', '124512345678'], // /api/challenge/detail with statsV2 (2022 on)
    ['api-detail-stats-only.json', 'api', 'tiktok.api.stats', '6040500000000'], // stats only (2019–21)
    ['node-share-tag-2020.json', 'api', 'tiktok.api.shareMeta', '37099000000'], // challengeInfo at the top level (2020–21)
    ['challengeinfo-under-body-2021.json', 'api', 'tiktok.api.stats', '2300000000'], // challengeInfo under body
    ['sigi-script-2022.html', 'sigi_script', 'tiktok.sigi.stats', '91200000000'], // SIGI_STATE ChallengePage (2021–22)
    ['sigi-inline-2021.html', 'sigi_inline', 'tiktok.sigi.stats', '2300000000'],
    ['rehydration-2024.html', 'rehydration', 'tiktok.rehydration.statsV2', '124512345678'], // webapp.challenge-detail (2023 on)
    ['next-data-2020.html', 'next_data', 'tiktok.next_data.stats', '37100000000'],
    ['api-detail-sharemeta-2020.json', 'api', 'tiktok.api.shareMeta', '5314600000000'], // shareMeta "5314600.0m views"
  ])('%s → %s', (file, format, source, views) => {
    const r = expectReadings(parseTikTok(tt(file)));
    expect(r.format).toBe(format);
    expect(r.readings.find((x) => x.metric === 'views')).toMatchObject({ value: views, source });
    valid(r.readings);
  });

  it('challengeInfo under body keeps the status code of the top level', () => {
    expectFailure(parseTikTokApi('{"statusCode":10209,"body":{"challengeInfo":{}}}'), 'restricted');
  });
});

describe('finding 2: Instagram classic tag page (window._sharedData) and its additionalDataLoaded variant', () => {
  it.each([
    ['tag-page-shared-data-2019.html', 'shared_data', '18473123', 'mentalhealth'],
    ['tag-page-additional-data-2020.html', 'additional_data', '61234567', 'selfcare'],
  ])('%s → exact posts', (file, format, value, title) => {
    const r = expectReadings(parseInstagram(ig(file), { status: 200 }));
    expect(r.format).toBe(format);
    expect(r.title).toBe(title);
    expect(r.readings).toEqual([{ metric: 'posts', value, precision: 'exact', step: '0', source: `instagram.${format}.graphql.hashtag.edge_hashtag_to_media.count` }]);
    valid(r.readings);
  });

  it.each(['tag-page-shared-data-2019.html', 'tag-page-additional-data-2020.html', 'login-page.html'])('content sniffing sends %s to Instagram, not TikTok', (file) => {
    const entry = detectParser(ig(file));
    expect(entry?.platform).toBe('instagram');
  });

  it('detected and parsed offline gives the count', () => {
    const body = ig('tag-page-shared-data-2019.html');
    const r = expectReadings(detectParser(body)!.parse(body));
    expect(r.readings[0]?.value).toBe('18473123');
  });

  it('TikTok pages are not taken for Instagram', () => {
    for (const f of ['rehydration-2024.html', 'sigi-script-2022.html', 'h2-views-2023.html', 'no-data.html']) expect(detectParser(tt(f))?.platform).toBe('tiktok');
  });

  it('a login page in _sharedData is a login wall; a broken _sharedData is malformed', () => {
    expectFailure(parseInstagram(ig('login-page.html'), { status: 200 }), 'login_wall');
    expectFailure(parseInstagram('<html><script>window._sharedData = {"entry_data":{"TagPage":[{"graphql":</script></html>', { status: 200 }), 'malformed');
  });
});

describe('finding 3: a count at an integer cap is a lower bound', () => {
  it('Instagram media_count 2147483647 beside "2.1B" is stored as lower_bound 2147483647', () => {
    const r = expectReadings(parseInstagram(ig('web-info-capped.json'), { status: 200 }));
    expect(r.readings).toEqual([{ metric: 'posts', value: '2147483647', precision: 'lower_bound', step: '0', source: 'instagram.web_info.data.media_count' }]);
    valid(r.readings);
  });

  it('a formatted figure that says more than the cap wins', () => {
    const r = expectReadings(parseInstagram('{"data":{"media_count":2147483647,"formatted_media_count":"3.4B"}}'));
    expect(r.readings).toEqual([{ metric: 'posts', value: '3400000000', precision: 'rounded', step: '100000000', source: 'instagram.web_info.data.formatted_media_count' }]);
  });

  it.each(['2147483647', '4294967295', '9007199254740991'])('TikTok statsV2 %s is a lower bound', (cap) => {
    const r = expectReadings(parseTikTokApi(`{"statusCode":0,"challengeInfo":{"challenge":{"id":"1"},"statsV2":{"viewCount":"${cap}"}}}`));
    expect(r.readings[0]).toMatchObject({ value: cap, precision: 'lower_bound', step: '0' });
  });

  it('TikTok stats number at a cap is a lower bound too', () => {
    const r = expectReadings(parseTikTokApi('{"statusCode":0,"challengeInfo":{"challenge":{"id":"1"},"stats":{"viewCount":4294967295}}}'));
    expect(r.readings[0]).toMatchObject({ value: '4294967295', precision: 'lower_bound' });
  });

  it('helpers', () => {
    expect(isIntegerCap('2147483647')).toBe(true);
    expect(isIntegerCap('2147483646')).toBe(false);
    expect(capAware({ value: '5', precision: 'exact', step: '0' }).reading.precision).toBe('exact');
  });
});

describe('finding 4: the step comes from the digits sent', () => {
  it('stats.videoCount 9833 has step 1, not 100; 5314600000000 with "5314600.0m views" has step 1e5, not 1e11', () => {
    const r = expectReadings(parseTikTok(tt('api-detail-sharemeta-2020.json')));
    expect(r.readings).toEqual([
      rounded('views', '5314600000000', '100000', 'tiktok.api.shareMeta'),
      rounded('posts', '9833', '1', 'tiktok.api.stats'),
    ]);
  });

  it('without a text, the trailing zeros of the number decide', () => {
    const r = expectReadings(parseTikTok(tt('api-detail-stats-only.json')));
    expect(r.readings).toEqual([rounded('views', '6040500000000', '100000000', 'tiktok.api.stats')]);
  });

  it('a display text that disagrees with the number does not replace it', () => {
    const r = expectReadings(
      parseTikTokApi('{"statusCode":0,"challengeInfo":{"challenge":{"id":"1"},"stats":{"viewCount":5314600000000},"shareMeta":{"desc":"12.0m views"}}}'),
    );
    expect(r.readings).toEqual([rounded('views', '5314600000000', '100000000', 'tiktok.api.stats')]);
  });

  it.each([
    [9833n, '1'],
    [124500000000n, '100000000'],
    [5314600000000n, '100000000'],
    [10n, '10'],
    [1n, '1'],
    [0n, '1'],
  ])('stepFromDigits(%s) = %s', (n, step) => {
    expect(stepFromDigits(n)).toBe(step);
  });
});
