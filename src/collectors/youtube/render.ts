/**
 * Renders YouTube hashtag pages in YouTube's real shapes (ytInitialData with the legacy hashtagHeaderRenderer or the
 * newer pageHeaderViewModel) and its interstitials, from given counts. Used by the local fake and the fixtures.
 */
import { formatDisplayCount } from '../common/display-count.ts';

export interface YouTubeHashtagCounts {
  tag: string;
  videos: bigint;
  channels: bigint;
}

export type YouTubeHeaderShape = 'hashtag_header' | 'page_header';

export function renderHashtagPage(c: YouTubeHashtagCounts, shape: YouTubeHeaderShape = 'hashtag_header'): string {
  const videos = `${formatDisplayCount(c.videos)} video${c.videos === 1n ? '' : 's'}`;
  const channels = `${formatDisplayCount(c.channels)} channel${c.channels === 1n ? '' : 's'}`;
  const header =
    shape === 'hashtag_header'
      ? { hashtagHeaderRenderer: { hashtag: { simpleText: `#${c.tag}` }, hashtagInfoText: { simpleText: `${videos} • ${channels}` }, trackingParams: 'CAAQ8eIDIhMI' } }
      : {
          pageHeaderRenderer: {
            pageTitle: `#${c.tag}`,
            content: {
              pageHeaderViewModel: {
                title: { dynamicTextViewModel: { text: { content: `#${c.tag}` } } },
                metadata: { contentMetadataViewModel: { metadataRows: [{ metadataParts: [{ text: { content: videos } }, { text: { content: channels } }] }], delimiter: ' • ' } },
              },
            },
          },
        };
  return ytPage(`#${c.tag} - YouTube`, { responseContext: { serviceTrackingParams: [] }, contents: { twoColumnBrowseResultsRenderer: { tabs: [] } }, header, topbar: {} });
}

/** A hashtag YouTube has no header for (an unused tag): the feed is empty and there are no figures. */
export function renderHashtagPageWithoutHeader(tag: string): string {
  return ytPage(`#${tag} - YouTube`, { responseContext: {}, contents: { twoColumnBrowseResultsRenderer: { tabs: [] } } });
}

/** consent.youtube.com's interstitial. */
export function renderConsentPage(): string {
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Before you continue to YouTube</title></head><body>',
    '<div class="yt-consent"><h1>Before you continue to YouTube</h1><p>We use cookies and data to deliver and maintain Google services.</p>',
    '<form action="https://consent.youtube.com/save" method="POST"><input type="hidden" name="set_eom" value="true"><button>Reject all</button></form>',
    '<form action="https://consent.youtube.com/save" method="POST"><input type="hidden" name="set_eom" value="false"><button>Accept all</button></form></div>',
    '</body></html>',
  ].join('');
}

/** The bot check that replaces content when YouTube distrusts a network. */
export function renderSignInWall(): string {
  return ytPage('YouTube', {
    responseContext: {},
    contents: { twoColumnBrowseResultsRenderer: { tabs: [] } },
    alerts: [{ alertRenderer: { type: 'ERROR', text: { runs: [{ text: 'Sign in to confirm you’re not a bot' }] } } }],
  }).replace('<body>', '<body><div id="sign-in-wall">Sign in to confirm you’re not a bot</div>');
}

function ytPage(title: string, data: unknown): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return [
    `<!DOCTYPE html><html style="font-size: 10px;font-family: Roboto, Arial, sans-serif;" lang="en" darker-dark-theme><head><meta charset="utf-8"><title>${title.replace(/[<&]/g, '')}</title>`,
    '<script nonce="tagpulse">ytcfg.set({"INNERTUBE_API_KEY":"AIzaSyAO_FJ2SlqU8Q4STEHLGCilw_Y9_11qcW8","INNERTUBE_CLIENT_NAME":"WEB","HL":"en","GL":"US"});</script>',
    '</head><body><ytd-app></ytd-app>',
    `<script nonce="tagpulse">var ytInitialData = ${json};</script>`,
    '<script nonce="tagpulse">if (window.ytcsi) {window.ytcsi.tick("pdr", null, \'\');}</script>',
    '</body></html>',
  ].join('');
}
