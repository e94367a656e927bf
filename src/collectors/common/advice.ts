/**
 * What a person should do about each failure kind, per platform. Used by `tagpulse sample` and `backfill`, so every
 * failure the CLI prints ends with a next step. Typed over every FailureKind: a new kind cannot be added without advice.
 */
import type { FailureKind } from '../../schema/failure.ts';

const NAMES: Readonly<Record<string, string>> = { tiktok: 'TikTok', tiktok_research: 'the TikTok Research API', instagram: 'Instagram', youtube: 'YouTube', wayback: 'the Wayback Machine' };

const ADVICE: Readonly<Record<FailureKind, (platform: string) => string>> = {
  captcha: (p) => `${p} asked for a captcha: try later, lower the rate (platformLimits)${p === 'TikTok' ? ', or use --method browser' : ''}`,
  empty: (p) => `${p} sent an empty response (bot detection): try later${p === 'TikTok' ? ' or use --method browser' : ''}`,
  hollow: (p) => `${p} answered without data for this tag: try again later${p === 'TikTok' ? ' or use --method browser' : ''}`,
  not_found: () => 'the platform has no such tag: check the spelling',
  restricted: () => 'the platform restricts this tag (blacklisted, sensitive or region-locked); nothing to retry',
  throttled: () => 'rate-limited: wait before sampling again (the queue pauses this platform for the Retry-After time)',
  blocked: (p) => `${p} refused the request (403, checkpoint or missing signature): try later or from another network${p === 'TikTok' ? ', or use --method browser' : ''}`,
  no_data: (p) => `the page had no counts (${p} serves variants without them): retry${p === 'TikTok' ? ', or use --method browser' : ''}`,
  malformed: () => 'the response could not be parsed: it is kept in <dataDir>/raw (see the operations page); run `tagpulse parse` on it and see docs/collectors.md to turn it into a fixture and a fix',
  login_wall: (p) => `${p} requires a login for this page now; tagpulse does not log in, so try later or from another network`,
  consent: (p) => `${p} showed its cookie-consent page (EU networks): sample from a network outside the EU or try later`,
  network: () => 'could not reach the platform: check the network or the configured origin',
  server_error: (p) => `${p} had a server error: it is retried with backoff`,
  quota: (p) => `the daily quota of ${p} is used up: sampling resumes after 00:00 UTC`,
  auth: (p) => `${p} refused the credentials: check researchClientKey / researchClientSecret (TAGPULSE_RESEARCH_CLIENT_KEY / _SECRET) and that the project is approved`,
  refused: () => 'refused before sending (SSRF guard, bad origin or invalid query): configure the origin explicitly or fix the setting named above',
};

/** One sentence, capitalised, without a final period. */
export function failureAdvice(kind: FailureKind, platform: string): string {
  const advice = ADVICE[kind](NAMES[platform] ?? platform);
  return advice.charAt(0).toUpperCase() + advice.slice(1);
}
