/**
 * Renders Instagram web_info responses and refusals in Instagram's real shapes, from given counts. Used by the local
 * fake Instagram server and the test fixtures.
 */
import { formatDisplayCount } from '../common/display-count.ts';

export interface InstagramTagCounts {
  tag: string;
  id: string;
  posts: bigint;
}

/** `/api/v1/tags/web_info/?tag_name=<tag>`: top-level `count`, details under `data`. */
export function renderWebInfo(c: InstagramTagCounts, shape: 'count' | 'data_count' | 'media_count' = 'count'): string {
  const posts = c.posts.toString();
  const data = {
    id: c.id,
    name: c.tag,
    ...(shape === 'data_count' ? { count: '__COUNT__' } : {}),
    ...(shape === 'media_count' ? { media_count: '__COUNT__' } : {}),
    formatted_media_count: formatDisplayCount(c.posts),
    follow_status: 0,
    is_following: false,
    allow_following: true,
    subtitle: `${formatDisplayCount(c.posts)} posts`,
    profile_pic_url: `https://scontent.cdninstagram.com/v/t51.2885-15/${c.id}_n.jpg`,
    top: { sections: [], more_available: true, next_max_id: 'QVFCX3Rva2Vu', next_page: 1, next_media_ids: [] },
    recent: { sections: [], more_available: true, next_max_id: 'QVFDX3Rva2Vu', next_page: 1, next_media_ids: [] },
  };
  const root = { ...(shape === 'count' ? { count: '__COUNT__' } : {}), data, status: 'ok' };
  // Counts are JSON numbers with all their digits (JSON.stringify cannot write a bigint).
  return JSON.stringify(root).replace('"__COUNT__"', posts);
}

export function renderLoginRequired(): string {
  return JSON.stringify({ message: 'login_required', require_login: true, status: 'fail' });
}

export function renderPleaseWait(): string {
  return JSON.stringify({ message: 'Please wait a few minutes before you try again.', require_login: false, status: 'fail' });
}

export function renderCheckpoint(): string {
  return JSON.stringify({ message: 'checkpoint_required', checkpoint_url: '/challenge/?next=/api/v1/tags/web_info/', lock: true, flow_render_type: 0, status: 'fail' });
}

export function renderUserAgentMismatch(): string {
  return JSON.stringify({ message: 'useragent mismatch', status: 'fail' });
}

export function renderNotFound(): string {
  return JSON.stringify({ message: 'Page not found', status: 'fail' });
}

/** The login page Instagram serves instead of JSON when it wants a session. */
export function renderLoginPage(): string {
  return [
    '<!DOCTYPE html><html lang="en" class="no-js not-logged-in"><head><meta charset="utf-8"><title>Login • Instagram</title>',
    '<link rel="canonical" href="https://www.instagram.com/accounts/login/"></head><body>',
    '<div id="react-root"><form id="loginForm" method="post"><input name="username" aria-label="Phone number, username, or email"><input name="password" type="password"><button type="submit">Log in</button></form></div>',
    '<script type="text/javascript">window._sharedData = {"config":{"csrf_token":"missing","viewer":null},"entry_data":{"LoginAndSignupPage":[{"captcha":{"enabled":false}}]}};</script>',
    '</body></html>',
  ].join('');
}
