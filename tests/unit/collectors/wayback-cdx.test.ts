import { describe, expect, it } from 'vitest';
import { captureTime, cdxQueryUrl, parseCdxJson, rawCaptureUrl, timestampOfCaptureUrl, CdxError } from '../../../src/collectors/wayback/cdx.ts';
import { ARCHIVE_SOURCES, isPageOfTag } from '../../../src/collectors/wayback/sources.ts';
import { fixture } from './helpers.ts';

describe('Wayback CDX', () => {
  it('asks for the documented parameters', () => {
    const u = new URL(cdxQueryUrl('https://web.archive.org', { url: 'tiktok.com/tag/mentalhealth', from: new Date('2019-01-01T00:00:00Z'), to: new Date('2024-12-31T00:00:00Z') }));
    expect(u.pathname).toBe('/cdx/search/cdx');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      url: 'tiktok.com/tag/mentalhealth',
      matchType: 'prefix',
      output: 'json',
      fl: 'timestamp,original,statuscode,mimetype,length,digest',
      filter: 'statuscode:200',
      collapse: 'timestamp:8',
      from: '20190101',
      to: '20241231',
    });
  });

  it('reads the JSON answer by its header row', () => {
    const rows = parseCdxJson(fixture('wayback', 'cdx-mentalhealth.json'));
    expect(rows).toHaveLength(5);
    expect(rows[1]).toEqual({ timestamp: '20210304101500', original: 'https://www.tiktok.com/tag/mentalhealth?lang=en', statusCode: '200', mimeType: 'text/html', length: 88412, digest: 'WQ7E2V4S6Y8A1C3B5D7F9H2J4K6M8N0P2R' });
    expect(rows[4]!.length).toBeNull(); // "-" in the index
  });

  it('an empty answer is no captures; junk is an error', () => {
    expect(parseCdxJson('')).toEqual([]);
    expect(parseCdxJson('[]')).toEqual([]);
    expect(() => parseCdxJson('<html>error</html>')).toThrow(CdxError);
    expect(() => parseCdxJson('[[1,2],["x"]]')).toThrow(/header/);
    // Rows with a broken timestamp or URL are skipped, not guessed.
    expect(parseCdxJson('[["timestamp","original"],["2021","https://x/tag/a"],["20210101000000","javascript:alert(1)"],["20210101000000","https://www.tiktok.com/tag/a"]]')).toHaveLength(1);
  });

  it('capture times and URLs', () => {
    expect(captureTime('20210304101500')).toBe('2021-03-04T10:15:00.000Z');
    expect(() => captureTime('2021')).toThrow(CdxError);
    expect(rawCaptureUrl('https://web.archive.org', { timestamp: '20210304101500', original: 'https://www.tiktok.com/tag/x?lang=en' })).toBe('https://web.archive.org/web/20210304101500id_/https://www.tiktok.com/tag/x?lang=en');
    expect(timestampOfCaptureUrl('https://web.archive.org/web/20210304101501id_/https://www.tiktok.com/tag/x')).toBe('20210304101501');
  });

  it('keeps only the exact tag page from a prefix match', () => {
    const tt = ARCHIVE_SOURCES.tiktok!;
    expect(isPageOfTag(tt, 'https://www.tiktok.com/tag/mentalhealth', 'mentalhealth')).toBe(true);
    expect(isPageOfTag(tt, 'https://www.tiktok.com/tag/mentalhealth/?lang=en', 'mentalhealth')).toBe(true);
    expect(isPageOfTag(tt, 'http://tiktok.com/tag/MentalHealth?is_copy_url=1', 'mentalhealth')).toBe(true);
    expect(isPageOfTag(tt, 'https://www.tiktok.com/tag/%D1%81%D0%B5%D0%BB%D1%84%D0%B8', 'селфи')).toBe(true);
    expect(isPageOfTag(tt, 'https://www.tiktok.com/tag/mentalhealthmatters', 'mentalhealth')).toBe(false);
    expect(isPageOfTag(tt, 'https://www.tiktok.com/tag/mentalhealth/video/123', 'mentalhealth')).toBe(false);
    expect(isPageOfTag(tt, 'https://www.tiktok.com/tag/%E0%A4%A', 'mentalhealth')).toBe(false);
  });
});
