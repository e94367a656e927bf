import { describe, expect, it } from 'vitest';
import { parseInstagram } from '../../../src/collectors/instagram/parse.ts';
import { Reading } from '../../../src/schema/observation.ts';
import { expectFailure, expectReadings, fixture } from './helpers.ts';

const ig = (name: string) => fixture('instagram', name);

describe('Instagram web_info parser', () => {
  it.each([
    ['web-info-count.json', '47386624', 'instagram.web_info.count', 'mentalhealth'],
    ['web-info-data-count.json', '9143872', 'instagram.web_info.data.count', 'mentalhealthmatters'],
    ['web-info-media-count.json', '61234567', 'instagram.web_info.data.media_count', 'selfcare'],
    ['graphql-legacy-2020.json', '18473123', 'instagram.web_info.graphql.hashtag.edge_hashtag_to_media.count', 'mentalhealth'],
  ])('%s → exact posts', (file, value, source, title) => {
    const r = expectReadings(parseInstagram(ig(file), { status: 200 }));
    expect(r.readings).toEqual([{ metric: 'posts', value, precision: 'exact', step: '0', source }]);
    expect(r.title).toBe(title);
    for (const reading of r.readings) expect(Reading.safeParse(reading).success).toBe(true);
  });

  it('prefers the exact count over the display figure next to it', () => {
    const r = expectReadings(parseInstagram(ig('web-info-count.json')));
    expect(r.readings[0]!.value).toBe('47386624'); // formatted_media_count says 47.4M
  });

  it('falls back to formatted_media_count as a rounded value with its step', () => {
    const r = expectReadings(parseInstagram(ig('formatted-only.json')));
    expect(r.readings).toEqual([{ metric: 'posts', value: '1200000', precision: 'rounded', step: '100000', source: 'instagram.web_info.data.formatted_media_count' }]);
  });

  it('a zero count is missing, not a reading', () => {
    expectFailure(parseInstagram(ig('hollow.json')), 'hollow');
  });

  it('junk in the count field is malformed, never a number', () => {
    expectFailure(parseInstagram(ig('malformed-count.json')), 'malformed');
    expectFailure(parseInstagram('{"count": 1.5}'), 'malformed');
    expectFailure(parseInstagram('{"count": -3}'), 'malformed');
    expectFailure(parseInstagram('{"count": 1e400}'), 'malformed');
    expectFailure(parseInstagram('{"count": '), 'malformed');
  });

  it.each([
    ['login-required.json', 401, 'login_wall'],
    ['login-required.json', 200, 'login_wall'],
    ['please-wait.json', 429, 'throttled'],
    ['please-wait.json', 200, 'throttled'],
    ['checkpoint.json', 400, 'blocked'],
    ['login-page.html', 200, 'login_wall'],
  ])('%s (HTTP %i) → %s', (file, status, kind) => {
    expectFailure(parseInstagram(ig(file), { status }), kind);
  });

  it('classifies redirects it was not allowed to follow', () => {
    expectFailure(parseInstagram('', { status: 302, location: '/accounts/login/?next=/api/v1/tags/web_info/' }), 'login_wall');
    expectFailure(parseInstagram('', { status: 302, location: 'https://www.instagram.com/challenge/?next=/' }), 'blocked');
  });

  it('HTTP-level failures', () => {
    expectFailure(parseInstagram('', { status: 200 }), 'empty');
    expectFailure(parseInstagram('{"message":"Page not found","status":"fail"}', { status: 404 }), 'not_found');
    expectFailure(parseInstagram('<html>oops</html>', { status: 500 }), 'server_error');
    expectFailure(parseInstagram('<html>Forbidden</html>', { status: 403 }), 'blocked');
    expectFailure(parseInstagram('<html><body>hello</body></html>', { status: 200 }), 'no_data');
  });

  it('never reads inherited properties of hostile JSON', () => {
    expectFailure(parseInstagram('{"__proto__":{"count":5},"constructor":{"count":7}}'), 'hollow');
  });
});
