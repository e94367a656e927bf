/**
 * Figure 3: plain HTTP against a headless browser on the local TikTok-shaped server — pages per second (one page at a
 * time on both sides) and peak RSS (this process plus every child process, i.e. Chromium's renderers too).
 *
 *  - HTTP: TikTokHttpCollector on the current tag page (counts in the rehydration JSON);
 *  - browser: TikTokBrowserCollector on the SSR shell whose own script fetches /api/challenge/detail, the way the live
 *    site works: the collector captures that response. One Chromium, contexts recycled every `pagesPerContext` pages.
 * "Bounded" RSS: the browser's peak over the last third of the pages against the first third.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { startFakeTikTok } from '../../src/demo/fake-tiktok.ts';
import { TikTokHttpCollector } from '../../src/collectors/tiktok/http-collector.ts';
import { TikTokBrowserCollector } from '../../src/collectors/tiktok/browser-collector.ts';
import type { Collector } from '../../src/collectors/types.ts';
import { fmt } from './context.ts';
import type { BenchResult } from './result.ts';

export interface CollectorBenchOptions {
  httpPages: number;
  browserPages: number;
  pagesPerContext: number;
  chromiumPath: string;
}

const MB = 1024 * 1024;
const USER_AGENT = 'tagpulse-bench';

/** RSS in bytes of the descendants of a process (Chromium and its renderers for this one; Linux /proc). */
export function childrenRssBytes(root = process.pid): number {
  const parent = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* the process ended meanwhile */
    }
  }
  const below = (pid: number): boolean => parent.get(pid) === root || (pid > 1 && parent.has(pid) && below(parent.get(pid)!));
  let total = 0;
  for (const pid of parent.keys()) {
    if (!below(pid)) continue;
    try {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      total += Number(kb ?? 0) * 1024;
    } catch {
      /* gone */
    }
  }
  return total;
}

interface Run {
  pagesPerSecond: number;
  ok: number;
  /** Peak RSS of this process during the run. */
  peakSelf: number;
  /** Peak RSS of the child processes (Chromium) per third of the run. */
  peakByThird: [number, number, number];
}

/** Collect `pages` tags one after the other, sampling RSS (this process, its children) every 200 ms. */
async function run(collector: Collector, pages: number): Promise<Run> {
  const peaks: [number, number, number] = [0, 0, 0];
  let peakSelf = 0;
  let done = 0;
  const third = () => Math.min(2, Math.floor((3 * done) / pages)) as 0 | 1 | 2;
  const sample = () => {
    const i = third();
    peaks[i] = Math.max(peaks[i], childrenRssBytes());
    peakSelf = Math.max(peakSelf, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 200);
  let ok = 0;
  await collector.collect('benchwarmup'); // Chromium starts on first use: not part of the rate
  const t0 = performance.now();
  try {
    for (; done < pages; done++) {
      if ((await collector.collect(`benchtag${done % 50}`)).ok) ok++;
      if (done % 10 === 0) sample();
    }
  } finally {
    clearInterval(timer);
  }
  return { pagesPerSecond: pages / ((performance.now() - t0) / 1000), ok, peakSelf, peakByThird: peaks };
}

export async function benchCollectors(o: CollectorBenchOptions): Promise<BenchResult> {
  const base = { id: '3', title: 'HTTP vs browser collector on the local server: pages/s and peak RSS', ratioOf: 'HTTP pages/s ÷ browser pages/s', target: 'HTTP ≥ 20× faster; browser RSS bounded' };
  if (!existsSync(o.chromiumPath)) {
    return { ...base, measured: `skipped: no Chromium at ${o.chromiumPath}`, ratio: Number.NaN, met: false, notes: ['Install Chromium (scripts/setup.sh) or set TAGPULSE_CHROMIUM_PATH to run this figure.'] };
  }
  const pageServer = await startFakeTikTok();
  const shellServer = await startFakeTikTok({ clientFetch: true });
  const http = new TikTokHttpCollector({ baseUrl: pageServer.url, userAgent: USER_AGENT, timeoutMs: 10_000, allowPrivateOrigins: [pageServer.url] });
  const browser = new TikTokBrowserCollector({ baseUrl: shellServer.url, chromiumPath: o.chromiumPath, userAgent: USER_AGENT, timeoutMs: 20_000, apiWaitMs: 8000, pagesPerContext: o.pagesPerContext, allowedHostSuffixes: [] });
  try {
    const idle = process.memoryUsage().rss;
    const h = await run(http, o.httpPages);
    const b = await run(browser, o.browserPages);
    const ratio = h.pagesPerSecond / b.pagesPerSecond;
    const growth = b.peakByThird[2] / b.peakByThird[0];
    const bounded = growth < 1.25;
    return {
      ...base,
      measured: `HTTP ${fmt(h.pagesPerSecond, 1)} pages/s, this process +${fmt((h.peakSelf - idle) / MB)} MB RSS at peak; browser ${fmt(b.pagesPerSecond, 2)} pages/s, Chromium ${fmt(Math.max(...b.peakByThird) / MB)} MB RSS at peak`,
      ratio,
      met: ratio >= 20 && bounded,
      notes: [
        `HTTP: ${o.httpPages} pages, ${h.ok} read. Browser: ${o.browserPages} pages, ${b.ok} read, a new context every ${o.pagesPerContext} pages.`,
        `This process had ${fmt(idle / MB)} MB RSS before the first page (Node, chDB, earlier benchmarks' data); its peak during the browser run: ${fmt(b.peakSelf / MB)} MB. Chromium's RSS is the sum over its processes (browser, GPU, renderers), so pages they share are counted more than once: an upper bound.`,
        `Chromium peak RSS by third of the run: ${b.peakByThird.map((x) => `${fmt(x / MB)} MB`).join(' → ')} (last ÷ first ${growth.toFixed(2)}: ${bounded ? 'bounded' : 'GROWING'}).`,
        'One page at a time on both sides; the browser page is the SSR shell that fetches its own counts, the HTTP page carries them inline, as on the live site.',
      ],
    };
  } finally {
    await browser.close();
    await pageServer.close();
    await shellServer.close();
  }
}
