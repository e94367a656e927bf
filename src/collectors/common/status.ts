/**
 * Failures visible from the HTTP status alone, worded per platform. Parsers check their platform-specific signals
 * first (a 401 with Instagram's "login_required" is a login wall, not a block), then fall back to this.
 */
import { fail, type ParseResult } from '../types.ts';

export function statusFailure(status: number | undefined, platformName: string): ParseResult | null {
  if (status === undefined) return null;
  if (status === 429) return fail('throttled', `HTTP 429 Too Many Requests from ${platformName}`);
  if (status === 401 || status === 403) return fail('blocked', `HTTP ${status}: ${platformName} refused the request`);
  if (status === 404 || status === 410) return fail('not_found', `HTTP ${status}: ${platformName} has no page for this tag`);
  if (status >= 500 && status <= 599) return fail('server_error', `HTTP ${status} from ${platformName}`);
  if (status >= 300 && status <= 399) return fail('blocked', `HTTP ${status}: ${platformName} redirected instead of answering`);
  if (status >= 400) return fail('blocked', `HTTP ${status} from ${platformName}`);
  return null;
}

export function emptyBodyFailure(body: string, platformName: string): ParseResult | null {
  return body.trim() === '' ? fail('empty', `the response body from ${platformName} is empty (a common answer to suspected bots)`) : null;
}
