/**
 * The one config table. Every field has its env name, default and doc; precedence is
 * CLI flag > environment > config file (tagpulse.config.json) > default. Only this module reads process.env.
 */
import { readFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { AlertsConfig } from '../schema/alerts.ts';
import { TagpulseError } from '../errors.ts';
import { parseDuration } from '../util/duration.ts';

const bool = z.preprocess((v) => (typeof v === 'string' ? ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()) : v), z.boolean());
const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max);
const url = z.string().url();

interface FieldDef<T extends z.ZodType = z.ZodType> {
  schema: T;
  env: string;
  default: z.input<T> | undefined;
  doc: string;
  /** Never printed or logged. */
  secret?: boolean;
}
const f = <T extends z.ZodType>(schema: T, env: string, def: z.input<T> | undefined, doc: string, secret = false): FieldDef<T> => ({
  schema,
  env,
  default: def,
  doc,
  secret,
});

export const configFields = {
  dataDir: f(z.string().min(1), 'TAGPULSE_DATA_DIR', './.tagpulse', 'Data directory of the embedded store (chDB) and the private Redis.'),
  clickhouseUrl: f(url.optional(), 'TAGPULSE_CLICKHOUSE_URL', undefined, 'ClickHouse server URL (http://user:pass@host:8123/db). Unset: embedded chDB in the data dir.', true),
  clickhouseReadonlyUrl: f(url.optional(), 'TAGPULSE_CLICKHOUSE_READONLY_URL', undefined, 'ClickHouse URL of a read-only user, used by the dashboard/API reads in server mode.', true),
  topology: f(z.enum(['embedded', 'single', 'cluster']).optional(), 'TAGPULSE_TOPOLOGY', undefined, 'DDL topology. Default: embedded for chDB, single for a server.'),
  clusterName: f(z.string().regex(/^[A-Za-z0-9_{}-]+$/), 'TAGPULSE_CLUSTER', '{cluster}', 'Cluster name for ON CLUSTER DDL (topology cluster).'),
  redisUrl: f(z.string().optional(), 'TAGPULSE_REDIS_URL', undefined, 'Redis URL (redis://host:6379). Unset in embedded mode: a private redis-server is started in the data dir.', true),
  queuePrefix: f(z.string().min(1).max(64), 'TAGPULSE_QUEUE_PREFIX', 'tagpulse', 'BullMQ key prefix. Use a hash tag such as {tagpulse} on Redis Cluster.'),
  logLevel: f(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'TAGPULSE_LOG_LEVEL', 'info', 'Log level.'),
  logFormat: f(z.enum(['auto', 'pretty', 'json']), 'TAGPULSE_LOG_FORMAT', 'auto', 'Log format: auto = human-readable lines on a terminal, JSON lines when piped or collected; pretty or json force one.'),
  apiHost: f(z.string().min(1), 'TAGPULSE_API_HOST', '127.0.0.1', 'Address the dashboard/API listens on. Loopback unless told otherwise.'),
  apiPort: f(int(0, 65535), 'TAGPULSE_API_PORT', 8787, 'Port of the dashboard/API (0 = any free port).'),
  adminToken: f(z.string().min(16).optional(), 'TAGPULSE_ADMIN_TOKEN', undefined, 'Token for write endpoints and for any non-loopback bind (min 16 chars).', true),
  tiktokBaseUrl: f(url, 'TAGPULSE_TIKTOK_BASE_URL', 'https://www.tiktok.com', 'TikTok origin (point at a mirror or a local test server).'),
  tiktokMethod: f(z.enum(['http', 'browser', 'auto']), 'TAGPULSE_TIKTOK_METHOD', 'http', 'How TikTok is fetched: plain HTTP, a headless browser, or auto (HTTP, falling back to the browser).'),
  instagramBaseUrl: f(url, 'TAGPULSE_INSTAGRAM_BASE_URL', 'https://www.instagram.com', 'Instagram origin.'),
  youtubeBaseUrl: f(url, 'TAGPULSE_YOUTUBE_BASE_URL', 'https://www.youtube.com', 'YouTube origin.'),
  researchBaseUrl: f(url, 'TAGPULSE_RESEARCH_BASE_URL', 'https://open.tiktokapis.com', 'TikTok Research API origin.'),
  researchClientKey: f(z.string().optional(), 'TAGPULSE_RESEARCH_CLIENT_KEY', undefined, 'TikTok Research API client key.', true),
  researchClientSecret: f(z.string().optional(), 'TAGPULSE_RESEARCH_CLIENT_SECRET', undefined, 'TikTok Research API client secret.', true),
  waybackBaseUrl: f(url, 'TAGPULSE_WAYBACK_BASE_URL', 'https://web.archive.org', 'Wayback Machine origin (CDX API and captures).'),
  chromiumPath: f(z.string().min(1), 'TAGPULSE_CHROMIUM_PATH', '/usr/bin/chromium', 'Chromium executable for the browser collector.'),
  userAgent: f(z.string().min(1).max(512), 'TAGPULSE_USER_AGENT', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 tagpulse/0.1', 'User-Agent sent by HTTP collectors.'),
  collectConcurrency: f(int(1, 256), 'TAGPULSE_COLLECT_CONCURRENCY', 4, 'Requests in flight per worker process and platform (and collect jobs running at once).'),
  rateLimitMax: f(int(1), 'TAGPULSE_RATE_LIMIT_MAX', 30, 'Per platform: at most this many requests per rateLimitDurationMs, across all workers.'),
  rateLimitDurationMs: f(int(1), 'TAGPULSE_RATE_LIMIT_DURATION_MS', 60_000, 'Window of the per-platform rate limit.'),
  attempts: f(int(1, 100), 'TAGPULSE_ATTEMPTS', 5, 'Attempts per collect job before it is given up.'),
  backoffMs: f(int(1), 'TAGPULSE_BACKOFF_MS', 30_000, 'Base delay of the exponential retry backoff (with jitter).'),
  requestTimeoutMs: f(int(100), 'TAGPULSE_REQUEST_TIMEOUT_MS', 30_000, 'Timeout of one outbound request.'),
  collectGroupMaxTags: f(int(1, 1000), 'TAGPULSE_COLLECT_GROUP_MAX_TAGS', 16, 'Tags of one platform, cadence and phase bucket are collected by one scheduled job, at most this many per job (each tag keeps its own slot, read time and row; a failing tag is retried alone). 1 = one job scheduler per tag, each with its own phase.'),
  collectGroupPhaseStepMs: f(int(1000, 86_400_000), 'TAGPULSE_COLLECT_GROUP_PHASE_STEP_MS', 60_000, 'Grouped scheduling: a cadence is split into phase buckets this far apart (tags are spread over them by a hash); the tags of one bucket are grouped.'),
  collectRateWaitMaxMs: f(int(0, 600_000), 'TAGPULSE_COLLECT_RATE_WAIT_MAX_MS', 10_000, 'A collect job waits at most this long inside the job for the platform\'s request rate limit; tags whose turn comes later go on as single-tag jobs delayed to their turn.'),
  collectBatchMs: f(int(1, 60_000), 'TAGPULSE_COLLECT_BATCH_MS', 50, 'Longest a collected sample waits for the other running collect jobs of its worker, so their outcomes go to the load queue as one load job.'),
  loadBatchSize: f(int(1, 1_000_000), 'TAGPULSE_LOAD_BATCH_SIZE', 5000, 'Max observations per ClickHouse insert.'),
  loadFlushMs: f(int(1), 'TAGPULSE_LOAD_FLUSH_MS', 500, 'Max time an observation waits in the loader batch before the insert.'),
  summaryRefreshMinMs: f(int(0, 3_600_000), 'TAGPULSE_SUMMARY_REFRESH_MIN_MS', 2000, 'After loads, the stored tags\' summary rows (overview, leaderboard) are refreshed at most this often; the tags of the loads in between go together in the next round (0 = after every load batch).'),
  defaultEvery: f(z.string().refine((s) => parseDuration(s, ['s', 'm', 'h', 'd']) !== undefined, 'use a number and a unit, e.g. 15m, 1h or 1d'), 'TAGPULSE_DEFAULT_EVERY', '1h', 'Default sampling cadence of tracked tags.'),
  lockDurationMs: f(int(1000), 'TAGPULSE_LOCK_DURATION_MS', 30_000, 'BullMQ job lock; a crashed worker\'s job is retried after it expires.'),
  stalledIntervalMs: f(int(100), 'TAGPULSE_STALLED_INTERVAL_MS', 30_000, 'How often BullMQ checks for stalled jobs.'),
  shutdownTimeoutMs: f(int(100), 'TAGPULSE_SHUTDOWN_TIMEOUT_MS', 30_000, 'A graceful stop (Ctrl-C, SIGTERM) finishes within this time even if Redis or the store is gone; what could not be flushed is reported. A second Ctrl-C stops at once.'),
  redisRestartAttempts: f(int(0, 100), 'TAGPULSE_REDIS_RESTART_ATTEMPTS', 5, 'Private redis-server: restarts in a row (with backoff) before tagpulse gives up and exits non-zero.'),
  logRepeatSummaryMs: f(int(1000), 'TAGPULSE_LOG_REPEAT_SUMMARY_MS', 30_000, 'A repeating error is logged once, then summarised (with a count) at most this often.'),
  browserPagesPerContext: f(int(1, 10_000), 'TAGPULSE_BROWSER_PAGES_PER_CONTEXT', 20, 'Browser collector: recycle a context after this many pages.'),
  browserApiWaitMs: f(int(100), 'TAGPULSE_BROWSER_API_WAIT_MS', 8000, 'Browser collector: how long to wait for the page\'s own /api/challenge/detail request before reading the DOM.'),
  browserAllowedHosts: f(z.string(), 'TAGPULSE_BROWSER_ALLOWED_HOSTS', 'tiktokcdn.com,tiktokcdn-us.com,ttwstatic.com,tiktokv.com,ibytedtos.com,byteoversea.com', 'Browser collector: comma-separated public host suffixes (besides the TikTok origin) the page may load scripts from. Private and loopback addresses are always refused.'),
  platformLimits: f(z.string().regex(/^(\s*[a-z][a-z0-9_]*=\d+\/\d+(ms|s|m|h)(@\d+)?\s*(,|$))*$/, 'use platform=max/window[@concurrency], e.g. instagram=10/60s@1'), 'TAGPULSE_PLATFORM_LIMITS', 'instagram=10/60s@1,youtube=20/60s@2,tiktok_research=30/60s@1', 'Per-platform rate limit and concurrency (platform=max/window[@concurrency], comma-separated); platforms not listed use rateLimitMax/rateLimitDurationMs and collectConcurrency.'),
  instagramAppId: f(z.string().regex(/^\d{1,32}$/), 'TAGPULSE_INSTAGRAM_APP_ID', '936619743392459', 'X-IG-App-ID header sent to Instagram\'s web_info endpoint (the public web app id).'),
  researchWindowDays: f(int(1, 30), 'TAGPULSE_RESEARCH_WINDOW_DAYS', 7, 'TikTok Research API: how many complete UTC days (ending yesterday) each sample queries; at most 30.'),
  researchMaxRequestsPerCollect: f(int(1, 1000), 'TAGPULSE_RESEARCH_MAX_REQUESTS_PER_COLLECT', 20, 'TikTok Research API: at most this many query pages per sample; a larger result is stored as lower bounds.'),
  researchDailyRequestQuota: f(int(1), 'TAGPULSE_RESEARCH_DAILY_REQUEST_QUOTA', 1000, 'TikTok Research API: requests per UTC day (TikTok allows 1,000).'),
  researchDailyRecordQuota: f(int(1), 'TAGPULSE_RESEARCH_DAILY_RECORD_QUOTA', 100_000, 'TikTok Research API: records per UTC day (TikTok allows 100,000).'),
  waybackConcurrency: f(int(1, 2), 'TAGPULSE_WAYBACK_CONCURRENCY', 1, 'Backfill: captures fetched at once from the Wayback Machine (1 or 2).'),
  waybackDelayMs: f(int(0), 'TAGPULSE_WAYBACK_DELAY_MS', 1500, 'Backfill: pause between capture requests of one fetcher.'),
  alertWebhookUrl: f(url.optional(), 'TAGPULSE_ALERT_WEBHOOK_URL', undefined, 'Webhook that receives alert JSON.', true),
  alerts: f(AlertsConfig.optional(), 'TAGPULSE_ALERTS', undefined, 'Alert rules ({"rules": [...]}, see docs/analytics-usage.md), evaluated after each load. JSON in the env.'),
  rawEvidenceKeepPerKind: f(int(0, 100_000), 'TAGPULSE_RAW_EVIDENCE_KEEP_PER_KIND', 20, 'Raw evidence: newest failing responses (malformed, no_data, hollow, empty, captcha) kept per platform and failure kind in <dataDir>/raw.'),
  rawEvidenceMaxMb: f(int(1, 1_000_000), 'TAGPULSE_RAW_EVIDENCE_MAX_MB', 64, 'Raw evidence: at most this many MB in <dataDir>/raw; the oldest responses are removed first.'),
  driftWindow: f(int(5, 1000), 'TAGPULSE_DRIFT_WINDOW', 20, 'Format drift: how many of each platform\'s latest samples are compared with its baseline (the samples before them).'),
  driftRecentShare: f(z.coerce.number().gt(0).lte(1), 'TAGPULSE_DRIFT_RECENT_SHARE', 0.5, 'Format drift: alert when more than this share of the latest samples failed as no_data, malformed or hollow…'),
  driftBaselineShare: f(z.coerce.number().gte(0).lt(1), 'TAGPULSE_DRIFT_BASELINE_SHARE', 0.05, '…while less than this share of the baseline samples did.'),
  publicUrl: f(url.optional(), 'TAGPULSE_PUBLIC_URL', undefined, 'Public URL of the dashboard, used in alert links and citations.'),
  sensitiveTopics: f(z.string().max(4000), 'TAGPULSE_SENSITIVE_TOPICS', 'suicide,suicidal,selfharm,self-harm,selfinjury,eatingdisorder,anorexia,bulimia,proana,edrecovery,mentalhealthcrisis,crisisline,988', 'Comma-separated terms: a tag containing one (ignoring case, _ and -) shows crisis resources on its page and in its exports\' citations, with safe-messaging guidance (text in src/services/care.ts). off: none.'),
} as const;

export type ConfigKey = keyof typeof configFields;
type Out<K extends ConfigKey> = z.output<(typeof configFields)[K]['schema']>;
export type Config = { readonly [K in ConfigKey]: Out<K> } & { readonly configFile?: string | undefined };

export class ConfigError extends TagpulseError {
  override readonly code = 'CONFIG_INVALID';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface LoadConfigOptions {
  /** Values from CLI flags (undefined = not given). */
  flags?: Partial<Record<ConfigKey, unknown>>;
  /** Environment; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Config file path; default ./tagpulse.config.json if it exists (or TAGPULSE_CONFIG). */
  configFile?: string;
  cwd?: string;
}

export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicitFile = opts.configFile ?? env.TAGPULSE_CONFIG;
  const file = resolve(cwd, explicitFile ?? 'tagpulse.config.json');
  let fileValues: Record<string, unknown> = {};
  if (existsSync(file)) {
    try {
      fileValues = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`config file ${file} is not valid JSON (${(e as Error).message}); fix or remove it`, { cause: e });
    }
    if (typeof fileValues !== 'object' || fileValues === null || Array.isArray(fileValues)) throw new ConfigError(`config file ${file} must contain a JSON object`);
    const unknown = Object.keys(fileValues).filter((k) => !(k in configFields) && k !== '$schema' && k !== 'alerts');
    if (unknown.length) throw new ConfigError(`config file ${file}: unknown key(s) ${unknown.join(', ')}. Known keys: ${Object.keys(configFields).join(', ')}`);
  } else if (explicitFile) {
    throw new ConfigError(`config file ${file} does not exist`);
  }
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, def] of Object.entries(configFields) as [ConfigKey, FieldDef][]) {
    const flag = opts.flags?.[key];
    const envVal = env[def.env];
    let raw: unknown;
    let from: string;
    if (flag !== undefined) [raw, from] = [flag, `flag --${kebab(key)}`];
    else if (envVal !== undefined && envVal !== '') [raw, from] = [envVal, `env ${def.env}`];
    else if (fileValues[key] !== undefined) [raw, from] = [fileValues[key], `${file} key "${key}"`];
    else [raw, from] = [def.default, 'default'];
    const r = def.schema.safeParse(raw);
    if (r.success) out[key] = r.data;
    else problems.push(`${from}: ${def.secret ? '(value hidden)' : JSON.stringify(raw)} is not valid for ${key} — ${r.error.issues.map((i) => i.message).join('; ')}. (${def.doc})`);
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  if (out.apiHost && !isLoopbackHost(out.apiHost as string) && !out.adminToken) {
    // Checked again when the server starts; reported here so `config` shows it.
  }
  out.configFile = existsSync(file) ? file : undefined;
  out.dataDir = resolve(cwd, out.dataDir as string);
  return Object.freeze(out) as Config;
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** The config as a table for docs and `tagpulse config`, secrets masked. */
export function describeConfig(cfg?: Config): { key: string; env: string; default: string; value?: string; doc: string }[] {
  return (Object.entries(configFields) as [ConfigKey, FieldDef][]).map(([key, def]) => ({
    key,
    env: def.env,
    default: def.default === undefined ? '' : String(def.default),
    ...(cfg ? { value: def.secret ? (cfg[key] === undefined ? '' : '***') : cfg[key] === undefined ? '' : String(cfg[key]) } : {}),
    doc: def.doc,
  }));
}

/** Values that must never appear in logs, payloads or exports. */
export function secretValues(cfg: Config): string[] {
  const out: string[] = [];
  for (const [key, def] of Object.entries(configFields) as [ConfigKey, FieldDef][]) {
    const v = cfg[key];
    if (def.secret && typeof v === 'string' && v.length >= 6) {
      out.push(v);
      try {
        const u = new URL(v);
        if (u.password) out.push(decodeURIComponent(u.password));
      } catch {
        /* not a URL */
      }
    }
  }
  return out;
}

/** Env names consumed by the config table (docker-compose checks use this). */
export const CONFIG_ENV_NAMES = new Set([...Object.values(configFields).map((d) => d.env), 'TAGPULSE_CONFIG']);
