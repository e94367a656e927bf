/**
 * docker-compose.yml, checked by configuration (no Docker engine here): pinned images, only config-table variables
 * for tagpulse, every tagpulse environment valid for the real config loader, commands valid for the real CLI,
 * healthchecks on the ports the services listen on, health-gated start order and the cluster profile.
 */
import { describe, it, expect } from 'vitest';
import { CONFIG_ENV_NAMES, loadConfig, type Config } from '../../../src/config/config.ts';
import {
  commandArgs,
  interpolate,
  interpolatedNames,
  isPinnedImage,
  loadCompose,
  parseTagpulseArgs,
  readRepoFile,
  serviceEnv,
  tagpulseServices,
  type ComposeService,
} from './compose-model.ts';

const compose = loadCompose();
const services = compose.services;
const pkg = JSON.parse(readRepoFile('package.json')) as { version: string };

/** deploy/env.example as docker compose would read it from .env (only uncommented lines). */
function envExample(uncommentCluster = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of readRepoFile('deploy/env.example').split('\n')) {
    const line = uncommentCluster ? raw.replace(/^# (COMPOSE_PROFILES|CLICKHOUSE_HOST|TAGPULSE_TOPOLOGY|CLICKHOUSE_CLUSTER_SECRET)=/, '$1=') : raw;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const configOf = (s: ComposeService, env: Record<string, string>): Config => loadConfig({ env: serviceEnv(s, env), cwd: '/' });
const strings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.flatMap(strings) : v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...strings(x)]) : []);
const svc = (name: string): ComposeService => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service ${name}`);
  return s;
};
const isProfiled = (s: ComposeService) => Boolean(s.profiles?.length);
/** Container ports a service listens on: published targets, --port of its command, TAGPULSE_API_PORT. */
function listenPorts(s: ComposeService): number[] {
  const ports = (s.ports ?? []).map((p) => Number(String(p).split(':').at(-1)!.split('/')[0]));
  const args = commandArgs(s);
  const i = args.indexOf('--port');
  if (i >= 0) ports.push(Number(args[i + 1]));
  if (s.environment?.TAGPULSE_API_PORT !== undefined) ports.push(Number(s.environment.TAGPULSE_API_PORT));
  return ports;
}
const healthcheckPort = (s: ComposeService): number | undefined => {
  const text = strings(s.healthcheck?.test).join(' ');
  const m = /https?:\/\/(?:127\.0\.0\.1|localhost):(\d+)/.exec(text) ?? /\s-p\s+(\d+)/.exec(` ${text}`);
  return m ? Number(m[1]) : undefined;
};

describe('docker-compose.yml: images and variables', () => {
  it('pins every image to an explicit version and tags the tagpulse image with the package version', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, `${name} has an image`).toBeDefined();
      expect(isPinnedImage(s.image!), `${name}: ${s.image} is pinned`).toBe(true);
    }
    for (const [name, s] of tagpulseServices(compose)) expect(s.image, name).toBe(`tagpulse:${pkg.version}`);
    expect(isPinnedImage('redis:latest')).toBe(false);
    expect(isPinnedImage('redis:8')).toBe(false);
    expect(isPinnedImage('clickhouse/clickhouse-server:25.8.29.51')).toBe(true);
  });

  it('gives tagpulse services only variables of the config table, and every TAGPULSE_* anywhere is one', () => {
    const tagpulse = tagpulseServices(compose);
    expect(tagpulse.map(([n]) => n).sort()).toEqual(['collector', 'dashboard', 'loader', 'migrate', 'migrate-cluster', 'scheduler']);
    for (const [name, s] of tagpulse) {
      for (const key of Object.keys(s.environment ?? {})) expect(CONFIG_ENV_NAMES.has(key), `${name}: ${key} is read by src/config/config.ts`).toBe(true);
    }
    const mentioned = new Set(strings(compose).flatMap((v) => [...v.matchAll(/TAGPULSE_[A-Z0-9_]+/g)].map((m) => m[0])));
    expect(mentioned.size).toBeGreaterThan(10);
    for (const name of mentioned) expect(CONFIG_ENV_NAMES.has(name), `${name} is in the config table`).toBe(true);
  });

  it('interpolates with deploy/env.example alone, and refuses to start without a required secret', () => {
    const env = envExample();
    for (const s of Object.values(services)) for (const v of strings(s)) interpolate(v, env);
    const { TAGPULSE_ADMIN_TOKEN: _dropped, ...withoutToken } = env;
    expect(() => serviceEnv(svc('dashboard'), withoutToken)).toThrow(/required variable TAGPULSE_ADMIN_TOKEN is missing: set TAGPULSE_ADMIN_TOKEN/);
    // Every variable compose interpolates is either documented in env.example or has a default.
    const documented = readRepoFile('deploy/env.example');
    for (const v of strings(compose)) {
      for (const name of interpolatedNames(v)) {
        const hasDefault = new RegExp(`\\$\\{${name}:?-`).test(v);
        expect(hasDefault || documented.includes(`${name}=`), `${name} is documented in deploy/env.example`).toBe(true);
      }
    }
  });

  it('every tagpulse environment is a valid config for the real loader (single server and cluster)', () => {
    for (const env of [envExample(), envExample(true)]) {
      for (const [name, s] of tagpulseServices(compose)) {
        let cfg: Config | undefined;
        expect(() => (cfg = configOf(s, env)), name).not.toThrow();
        if (name !== 'collector') expect(cfg!.clickhouseUrl, `${name} has a ClickHouse server`).toBeDefined();
        if (name !== 'migrate' && name !== 'migrate-cluster') {
          expect(cfg!.redisUrl, `${name} shares the Redis`).toMatch(/^redis:\/\/:.+@redis:6379$/);
          expect(cfg!.queuePrefix).toBe('{tagpulse}');
        }
      }
    }
    const dashboard = configOf(svc('dashboard'), envExample());
    expect(dashboard.apiHost).toBe('0.0.0.0');
    expect(dashboard.adminToken?.length).toBeGreaterThanOrEqual(16);
    expect(new URL(dashboard.clickhouseReadonlyUrl!).username).toBe('tagpulse_reader');
    expect(dashboard.topology).toBe('single');
    // The scheduler's API is for its healthcheck only: loopback inside its container, so no token is needed.
    expect(configOf(svc('scheduler'), envExample()).apiHost).toBe('127.0.0.1');
    const cluster = configOf(svc('dashboard'), envExample(true));
    expect(cluster.topology).toBe('cluster');
    expect(new URL(cluster.clickhouseUrl!).hostname).toBe('clickhouse-shard1');
  });

  it('points every URL at a compose service that listens on that port', () => {
    for (const env of [envExample(), envExample(true)]) {
      for (const [name, s] of tagpulseServices(compose)) {
        const e = serviceEnv(s, env);
        for (const key of ['TAGPULSE_CLICKHOUSE_URL', 'TAGPULSE_CLICKHOUSE_READONLY_URL', 'TAGPULSE_REDIS_URL']) {
          if (!e[key]) continue;
          const u = new URL(e[key]);
          const target = svc(u.hostname);
          expect(listenPorts(target), `${name} ${key} → ${u.hostname}`).toContain(Number(u.port));
          expect(target.hostname ?? u.hostname).toBe(u.hostname);
        }
      }
    }
  });
});

describe('docker-compose.yml: ports, healthchecks, start order, profiles', () => {
  it('publishes unique host ports, on loopback', () => {
    const published = Object.values(services).flatMap((s) => (s.ports ?? []).map((p) => String(p).split(':').slice(0, -1).join(':')));
    expect(published.length).toBeGreaterThanOrEqual(4);
    expect(new Set(published).size).toBe(published.length);
    for (const p of published) expect(p).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('health-checks each long-running service on the port it listens on', () => {
    const expected: Record<string, number> = { redis: 6379, clickhouse: 8123, scheduler: 8787, dashboard: 8787, grafana: 3000, 'clickhouse-shard1': 8123, 'clickhouse-shard2': 8123 };
    for (const [name, port] of Object.entries(expected)) {
      const s = svc(name);
      expect(healthcheckPort(s), `${name} healthcheck`).toBe(port);
      expect(listenPorts(s), `${name} listens on ${port}`).toContain(port);
    }
    expect(strings(svc('clickhouse').healthcheck?.test).join(' ')).toMatch(/wget .*\/ping/);
    for (const name of ['scheduler', 'dashboard']) expect(strings(svc(name).healthcheck?.test).join(' ')).toContain('/healthz');
    // Keeper's probe port is the http_control port of the keeper.xml it mounts.
    const keeperXml = readRepoFile('deploy/keeper/keeper.xml');
    expect(healthcheckPort(svc('clickhouse-keeper'))).toBe(Number(/<http_control>\s*<port>(\d+)<\/port>/.exec(keeperXml)![1]));
  });

  it('gates the start order on health and on the one-shot migrations', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, spec] of Object.entries(s.depends_on ?? {})) {
        const target = svc(dep);
        if (spec.condition === 'service_healthy') expect(target.healthcheck, `${name} waits for ${dep} to be healthy`).toBeDefined();
        if (spec.condition === 'service_completed_successfully') {
          expect(target.restart, `${dep} is a one-shot`).toBe('no');
          expect(commandArgs(target)[0]).toBe('migrate');
        }
        expect(['service_healthy', 'service_completed_successfully']).toContain(spec.condition);
        // A service that always runs may not require one that only runs in a profile.
        if (!isProfiled(s) && isProfiled(target)) expect(spec.required, `${name} → ${dep} must be required: false`).toBe(false);
      }
    }
    const order = (name: string) => Object.keys(svc(name).depends_on ?? {});
    expect(order('migrate')).toContain('clickhouse');
    for (const name of ['scheduler', 'dashboard', 'loader', 'grafana']) expect(order(name)).toContain('migrate');
    for (const name of ['scheduler', 'dashboard', 'collector', 'loader']) expect(order(name)).toContain('redis');
    expect(order('migrate-cluster').sort()).toEqual(['clickhouse-shard1', 'clickhouse-shard2']);
  });

  it('runs 2+ collectors, and keeps the cluster in its own profile', () => {
    expect(svc('collector').deploy?.replicas).toBeGreaterThanOrEqual(2);
    const byProfile = Object.entries(services).filter(([, s]) => s.profiles?.includes('cluster')).map(([n]) => n).sort();
    expect(byProfile).toEqual(['clickhouse-keeper', 'clickhouse-shard1', 'clickhouse-shard2', 'migrate-cluster']);
    for (const [name, s] of Object.entries(services)) for (const p of s.profiles ?? []) expect(p, name).toBe('cluster');
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0]!;
        if (!source.startsWith('.')) expect(declared.has(source), `${name}: volume ${source} is declared`).toBe(true);
      }
    }
  });

  it('configures Redis for queues (AOF, noeviction) and ClickHouse with the ulimits it needs', () => {
    const redis = commandArgs(svc('redis')).join(' ');
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--maxmemory-policy noeviction');
    for (const name of ['clickhouse', 'clickhouse-shard1', 'clickhouse-shard2']) {
      expect((svc(name) as { ulimits?: { nofile?: { soft: number; hard: number } } }).ulimits?.nofile).toEqual({ soft: 262144, hard: 262144 });
    }
    expect(svc('grafana').environment?.GF_PLUGINS_PREINSTALL).toContain('grafana-clickhouse-datasource');
  });
});

describe('docker-compose.yml: tagpulse commands', () => {
  it('every command parses with the real CLI, with the options the role needs', () => {
    const parsed = Object.fromEntries(tagpulseServices(compose).map(([name, s]) => [name, parseTagpulseArgs(commandArgs(s))]));
    expect(parsed.scheduler).toMatchObject({ path: ['run'], opts: { collect: false } });
    expect(parsed.dashboard).toMatchObject({ path: ['serve'] });
    expect(parsed.collector).toMatchObject({ path: ['worker'], opts: { queues: 'collect' } });
    expect(parsed.loader).toMatchObject({ path: ['worker'], opts: { queues: 'load' } });
    expect(parsed.migrate).toMatchObject({ path: ['migrate'] });
    expect(parsed['migrate-cluster']).toMatchObject({ path: ['migrate'], opts: { topology: 'cluster' } });
  });

  it('the command parser rejects what tagpulse would reject', () => {
    expect(() => parseTagpulseArgs(['worker', '--queue', 'collect'])).toThrow(/unknown option/);
    expect(() => parseTagpulseArgs(['worker', '--queues'])).toThrow(/argument missing/);
    expect(() => parseTagpulseArgs(['scale-out'])).toThrow(/not a tagpulse command/);
    expect(() => parseTagpulseArgs(['migrate', 'extra'])).toThrow(/unexpected argument/);
  });
});
