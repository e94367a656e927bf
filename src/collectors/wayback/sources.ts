/**
 * What can be backfilled from the Wayback Machine, per platform: which URL prefix to ask the CDX index for, which
 * archived URLs really are this tag's page (a prefix match on tiktok.com/tag/mentalhealth also returns
 * /tag/mentalhealthmatters), and which parser reads a capture. Captures are parsed by the same parsers as live pages,
 * whatever their era.
 */
import type { ParseResult } from '../types.ts';
import { tryNormalizeTag } from '../../schema/tag.ts';
import { parseTikTok } from '../tiktok/parse.ts';
import { parseYouTube } from '../youtube/parse.ts';

export interface ArchiveSource {
  platform: string;
  /** CDX `url` parameter (prefix match). */
  cdxUrl(tag: string): string;
  /** Path of this tag's page, e.g. /tag/<tag>; query strings (?lang=en, ?is_copy_url=1) are ignored. */
  pathPattern: RegExp;
  parse(body: string, opts: { status: number; contentType?: string }): ParseResult;
}

export const ARCHIVE_SOURCES: Readonly<Record<string, ArchiveSource>> = {
  tiktok: {
    platform: 'tiktok',
    cdxUrl: (tag) => `tiktok.com/tag/${tag}`,
    pathPattern: /^\/tag\/([^/]+)\/?$/,
    parse: (body, o) => parseTikTok(body, o),
  },
  youtube: {
    platform: 'youtube',
    cdxUrl: (tag) => `youtube.com/hashtag/${tag}`,
    pathPattern: /^\/hashtag\/([^/]+)\/?$/,
    parse: (body, o) => parseYouTube(body, { status: o.status }),
  },
};

/** Is this archived URL the page of exactly this tag (any case, percent-encoded or not)? */
export function isPageOfTag(source: ArchiveSource, original: string, tag: string): boolean {
  let path: string;
  try {
    path = new URL(original).pathname;
  } catch {
    return false;
  }
  const segment = source.pathPattern.exec(path)?.[1];
  if (!segment) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return false;
  }
  const normalized = tryNormalizeTag(decoded);
  return normalized.ok && normalized.tag === tag;
}
