import { describe, expect, it } from 'vitest';
import { parseYouTube } from '../../../src/collectors/youtube/parse.ts';
import { expectFailure, expectReadings, fixture } from './helpers.ts';

const yt = (name: string) => fixture('youtube', name);

describe('YouTube hashtag page parser', () => {
  it('hashtagHeaderRenderer: "971.2K videos • 301.2K channels" → rounded posts and channels with their steps', () => {
    const r = expectReadings(parseYouTube(yt('hashtag-header.html'), { status: 200 }));
    expect(r.format).toBe('hashtag_header');
    expect(r.title).toBe('mentalhealth');
    expect(r.readings).toEqual([
      { metric: 'posts', value: '971200', precision: 'rounded', step: '100', source: 'youtube.hashtag_header.videos' },
      { metric: 'channels', value: '301200', precision: 'rounded', step: '100', source: 'youtube.hashtag_header.channels' },
    ]);
  });

  it('pageHeaderViewModel metadata rows', () => {
    const r = expectReadings(parseYouTube(yt('page-header-view-model.html')));
    expect(r.format).toBe('page_header');
    expect(r.title).toBe('selfcare');
    expect(r.readings).toEqual([
      { metric: 'posts', value: '1200000', precision: 'rounded', step: '100000', source: 'youtube.page_header.videos' },
      { metric: 'channels', value: '98800', precision: 'rounded', step: '100', source: 'youtube.page_header.channels' },
    ]);
  });

  it('window["ytInitialData"] with runs and trailing statements; plain figures are exact', () => {
    const r = expectReadings(parseYouTube(yt('window-initial-data-runs-2019.html')));
    expect(r.readings).toEqual([
      { metric: 'posts', value: '1234', precision: 'exact', step: '0', source: 'youtube.hashtag_header.videos' },
      { metric: 'channels', value: '987', precision: 'exact', step: '0', source: 'youtube.hashtag_header.channels' },
    ]);
  });

  it('"3K channels" is 3000 with step 1000 (no decimal shown)', () => {
    const html = yt('hashtag-header.html').replace('971.2K videos • 301.2K channels', '9.7K videos • 3K channels');
    const r = expectReadings(parseYouTube(html));
    expect(r.readings.map((x) => [x.metric, x.value, x.step])).toEqual([
      ['posts', '9700', '100'],
      ['channels', '3000', '1000'],
    ]);
  });

  it('a localized header is malformed (never guessed), with a hint', () => {
    const f = expectFailure(parseYouTube(yt('french-locale.html')), 'malformed');
    expect(f.message).toContain('vidéos');
  });

  it.each([
    ['consent.html', 'consent'],
    ['sign-in-wall.html', 'login_wall'],
    ['no-header.html', 'no_data'],
    ['malformed-initial-data.html', 'malformed'],
  ])('%s → %s', (file, kind) => {
    expectFailure(parseYouTube(yt(file), { status: 200 }), kind);
  });

  it('redirects to consent, sign-in and the sorry page', () => {
    expectFailure(parseYouTube('', { status: 302, location: 'https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com%2Fhashtag%2Fx' }), 'consent');
    expectFailure(parseYouTube('', { status: 303, location: 'https://accounts.google.com/ServiceLogin?service=youtube' }), 'login_wall');
    expectFailure(parseYouTube('', { status: 302, location: 'https://www.google.com/sorry/index?continue=x' }), 'blocked');
  });

  it('HTTP-level failures', () => {
    expectFailure(parseYouTube('<p>This page isn’t available.</p>', { status: 404 }), 'not_found');
    expectFailure(parseYouTube('', { status: 429 }), 'throttled');
    expectFailure(parseYouTube('', { status: 200 }), 'empty');
    expectFailure(parseYouTube('<html>hello</html>', { status: 200 }), 'no_data');
  });
});
