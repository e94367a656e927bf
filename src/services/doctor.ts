/**
 * `tagpulse doctor`: the one command a new user runs when something looks wrong. Checks, in order, what tagpulse
 * needs and says for each failure what to do: Node, redis-server, Chromium (path, version, a real launch), the data
 * dir (writable, who holds it, free space), the store (migrations applied), and each platform's origin (a DNS lookup
 * and one polite request for a known tag, its outcome classified and the response saved).
 *
 * Read-only towards the store: it never migrates, it reports what is missing. The one request per platform goes
 * through the platform's real collector (SSRF guard, parser), so what doctor sees is what sampling sees.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import dns from 'node:dns/promises';
import net from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import type { Store } from '../store/store.ts';
import { openStore } from '../store/open.ts';
import { migrations } from '../store/migrations.ts';
import { appliedMigrationsQuery } from '../store/drift-queries.ts';
import { describeHolder, readHolder } from '../store/owner.ts';
import { findRedisServer, parseRedisUrl } from '../queue/redis.ts';
import { createCollectors } from '../collectors/registry.ts';
import { failureAdvice } from '../collectors/common/advice.ts';
import type { FailureKind } from '../schema/failure.ts';
import { saveRawTo } from './raw-evidence.ts';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  /** What to do, when status is warn or fail. */
  fix?: string;
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
}

export interface DoctorOptions {
  /** Platforms whose origin is checked; default: tiktok, instagram, youtube (and tiktok_research when configured). */
  platforms?: string[];
  /** A known tag requested from each platform. */
  tag?: string;
  /** Skip the Chromium launch (it takes seconds). */
  skipBrowserLaunch?: boolean;
  /** Minimum free space in the data dir before a warning, in bytes. */
  minFreeBytes?: number;
}

const MIN_NODE_MAJOR = 20;
const DEFAULT_TAG = 'mentalhealth';

export async function runDoctor(cfg: Config, o: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: Check[] = [checkNode(), checkRedis(cfg), ...(await checkChromium(cfg, o)), ...checkDataDir(cfg, o), await checkStore(cfg)];
  const platforms = o.platforms ?? ['tiktok', 'instagram', 'youtube', ...(cfg.researchClientKey ? ['tiktok_research'] : [])];
  for (const p of platforms) checks.push(...(await checkPlatform(cfg, p, o.tag ?? DEFAULT_TAG)));
  return { ok: checks.every((c) => c.status !== 'fail'), checks };
}

function checkNode(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return major >= MIN_NODE_MAJOR
    ? { id: 'node', title: 'Node.js', status: 'ok', detail: `v${process.versions.node}` }
    : { id: 'node', title: 'Node.js', status: 'fail', detail: `v${process.versions.node}`, fix: `install Node.js ${MIN_NODE_MAJOR} or newer (https://nodejs.org, or your package manager)` };
}

function checkRedis(cfg: Config): Check {
  if (cfg.redisUrl) {
    try {
      const t = parseRedisUrl(cfg.redisUrl);
      return { id: 'redis', title: 'Redis', status: 'ok', detail: `external Redis configured (${t.describe})` };
    } catch (e) {
      return { id: 'redis', title: 'Redis', status: 'fail', detail: (e as Error).message, fix: 'fix redisUrl (TAGPULSE_REDIS_URL), e.g. redis://127.0.0.1:6379' };
    }
  }
  const bin = findRedisServer();
  if (!bin) return { id: 'redis', title: 'redis-server', status: 'fail', detail: 'redis-server is not installed (embedded mode starts a private one in the data dir)', fix: 'install it (apt-get install redis-server, brew install redis) or set redisUrl to an existing Redis' };
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8', timeout: 5000 });
  const version = /v=(\S+)/.exec(v.stdout)?.[1];
  return version
    ? { id: 'redis', title: 'redis-server', status: 'ok', detail: `${bin} (v${version})` }
    : { id: 'redis', title: 'redis-server', status: 'fail', detail: `${bin} did not answer --version (${(v.stderr || v.error?.message || '').trim().slice(0, 200)})`, fix: 'reinstall redis-server' };
}

async function checkChromium(cfg: Config, o: DoctorOptions): Promise<Check[]> {
  const path = cfg.chromiumPath;
  const needed = cfg.tiktokMethod !== 'http';
  const missingStatus: CheckStatus = needed ? 'fail' : 'warn';
  if (!existsSync(path)) {
    return [{ id: 'chromium', title: 'Chromium', status: missingStatus, detail: `${path} does not exist${needed ? '' : ' (only needed for --method browser or auto)'}`, fix: 'install chromium (apt-get install chromium) or set chromiumPath (TAGPULSE_CHROMIUM_PATH)' }];
  }
  const v = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  const version = v.stdout.trim().slice(0, 100);
  const out: Check[] = [
    version
      ? { id: 'chromium', title: 'Chromium', status: 'ok', detail: `${path} (${version})` }
      : { id: 'chromium', title: 'Chromium', status: missingStatus, detail: `${path} did not answer --version`, fix: 'reinstall chromium or point chromiumPath at a working Chromium' },
  ];
  if (o.skipBrowserLaunch) {
    out.push({ id: 'chromium-launch', title: 'Chromium launch', status: 'skip', detail: 'skipped (--no-browser)' });
    return out;
  }
  try {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: path, headless: true, timeout: 30_000 });
    const browserVersion = browser.version();
    await browser.close();
    out.push({ id: 'chromium-launch', title: 'Chromium launch', status: 'ok', detail: `headless launch works (${browserVersion})` });
  } catch (e) {
    out.push({
      id: 'chromium-launch',
      title: 'Chromium launch',
      status: missingStatus,
      detail: `could not launch: ${(e as Error).message.split('\n')[0]?.slice(0, 300)}`,
      fix: 'install the libraries Chromium needs (apt-get install chromium pulls them in); in containers run with enough /dev/shm',
    });
  }
  return out;
}

function checkDataDir(cfg: Config, o: DoctorOptions): Check[] {
  const dir = cfg.dataDir;
  const out: Check[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    const probe = join(dir, `.doctor-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe, { force: true });
    out.push({ id: 'datadir', title: 'Data dir', status: 'ok', detail: `${dir} is writable` });
  } catch (e) {
    return [{ id: 'datadir', title: 'Data dir', status: 'fail', detail: `${dir}: ${(e as Error).message}`, fix: 'choose a writable directory with --data-dir or TAGPULSE_DATA_DIR, or fix its permissions' }];
  }
  const holder = readHolder(dir);
  out.push({
    id: 'datadir-lock',
    title: 'Data dir lock',
    status: 'ok',
    detail: holder ? `held by ${describeHolder(holder)}: other commands talk to it` : 'free (no tagpulse process holds it)',
  });
  try {
    const s = statfsSync(dir);
    const free = Number(s.bavail) * Number(s.bsize);
    const min = o.minFreeBytes ?? 1024 ** 3;
    out.push(
      free >= min
        ? { id: 'disk', title: 'Disk space', status: 'ok', detail: `${formatBytes(free)} free` }
        : { id: 'disk', title: 'Disk space', status: 'warn', detail: `only ${formatBytes(free)} free`, fix: `free space or move the data dir (observations are kept forever; ClickHouse needs room to merge)` },
    );
  } catch (e) {
    out.push({ id: 'disk', title: 'Disk space', status: 'warn', detail: `could not read: ${(e as Error).message}` });
  }
  return out;
}

/** Open the store without migrating (a diagnosis changes nothing): the owner's API when a process holds the dir. */
async function openForDiagnosis(cfg: Config): Promise<{ store: Store; via: string }> {
  const store = await openStore(cfg, 'inspect', { command: 'tagpulse doctor' });
  const via =
    store.backend === 'server' ? 'ClickHouse server' : store.backend === 'remote' ? `the process holding the data dir (${readHolder(cfg.dataDir)?.command ?? 'unknown'})` : `embedded chDB in ${cfg.dataDir}`;
  return { store, via };
}

async function checkStore(cfg: Config): Promise<Check> {
  let opened: { store: Store; via: string } | undefined;
  try {
    opened = await openForDiagnosis(cfg);
    const want = migrations.map((m) => m.version);
    let applied: number[] = [];
    try {
      applied = (await opened.store.run(appliedMigrationsQuery, {})).map((r) => r.version);
    } catch {
      applied = []; // no schema_migrations table yet
    }
    const missing = want.filter((v) => !applied.includes(v));
    return missing.length
      ? { id: 'store', title: 'Store', status: 'fail', detail: `${opened.via}: migrations not applied: ${missing.join(', ')}`, fix: 'run `tagpulse migrate` (or start `tagpulse run`, which migrates on start)' }
      : { id: 'store', title: 'Store', status: 'ok', detail: `${opened.via}: all ${want.length} migrations applied` };
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!.slice(0, 300);
    const locked = /lock/i.test(msg);
    return {
      id: 'store',
      title: 'Store',
      status: 'fail',
      detail: msg,
      fix: locked ? `another process holds the data dir: ${describeHolder(readHolder(cfg.dataDir))}; stop it or run doctor with its data dir while it serves its API` : 'check clickhouseUrl / the data dir; `tagpulse migrate` creates the schema',
    };
  } finally {
    await opened?.store.close().catch(() => undefined);
  }
}

const ORIGIN_KEYS: Readonly<Record<string, keyof Config>> = { tiktok: 'tiktokBaseUrl', instagram: 'instagramBaseUrl', youtube: 'youtubeBaseUrl', tiktok_research: 'researchBaseUrl' };

async function checkPlatform(cfg: Config, platform: string, tag: string): Promise<Check[]> {
  const originKey = ORIGIN_KEYS[platform];
  const origin = originKey ? String(cfg[originKey]) : '';
  const out: Check[] = [];
  let host = '';
  try {
    host = new URL(origin).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return [{ id: `${platform}-origin`, title: `${platform} origin`, status: 'fail', detail: `no valid origin configured (${origin || 'none'})`, fix: originKey ? `set ${originKey}` : 'unknown platform' }];
  }
  if (net.isIP(host)) out.push({ id: `${platform}-dns`, title: `${platform} DNS`, status: 'ok', detail: `${host} is an address (no lookup needed)` });
  else {
    try {
      const addrs = await dns.lookup(host, { all: true });
      out.push({ id: `${platform}-dns`, title: `${platform} DNS`, status: 'ok', detail: `${host} → ${addrs.map((a) => a.address).join(', ')}` });
    } catch (e) {
      out.push({ id: `${platform}-dns`, title: `${platform} DNS`, status: 'fail', detail: `${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, fix: 'check the network and DNS, or the configured origin' });
      return out;
    }
  }
  const collector = createCollectors(cfg, [platform]).get(platform);
  if (!collector) return [...out, { id: `${platform}-request`, title: `${platform} request`, status: 'skip', detail: 'no collector for this platform' }];
  try {
    const outcome = await collector.collect(tag, { method: 'http' });
    let saved = '';
    if (outcome.raw) {
      saved = await saveRawTo(join(cfg.dataDir, 'doctor'), {
        platform,
        tag,
        kind: outcome.ok ? 'ok' : outcome.kind,
        message: outcome.ok ? '' : outcome.message,
        collectorVersion: collector.version,
        method: outcome.method,
        raw: outcome.raw,
      }).catch(() => '');
    }
    const savedNote = saved ? ` Response saved: ${saved} (re-read it with tagpulse parse ${saved}).` : '';
    if (outcome.ok) {
      const values = outcome.readings.map((r) => `${r.metric} ${r.value}${r.precision === 'exact' ? '' : ` (${r.precision})`}`).join(', ');
      out.push({ id: `${platform}-request`, title: `${platform} request`, status: 'ok', detail: `#${tag}: HTTP ${outcome.statusCode}, read ${values} from ${outcome.format}.${savedNote}` });
    } else {
      out.push({
        id: `${platform}-request`,
        title: `${platform} request`,
        status: outcome.kind === 'quota' || outcome.kind === 'throttled' ? 'warn' : 'fail',
        detail: `#${tag}: ${outcome.kind}${outcome.statusCode ? ` (HTTP ${outcome.statusCode})` : ''}: ${outcome.message.slice(0, 300)}.${savedNote}`,
        fix: failureAdvice(outcome.kind as FailureKind, platform),
      });
    }
  } finally {
    await collector.close?.();
  }
  return out;
}

function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** The checklist as text: one line per check, and the fix under each one that needs action. */
export function formatDoctor(r: DoctorReport): string[] {
  const mark: Record<CheckStatus, string> = { ok: '[ok]  ', warn: '[warn]', fail: '[FAIL]', skip: '[skip]' };
  const lines = r.checks.flatMap((c) => [`${mark[c.status]} ${c.title}: ${c.detail}`, ...(c.fix && c.status !== 'ok' ? [`       → ${c.fix}`] : [])]);
  const failed = r.checks.filter((c) => c.status === 'fail').length;
  lines.push(failed ? `${failed} check(s) failed: fix them in order, then run tagpulse doctor again.` : 'All checks passed.');
  return lines;
}
