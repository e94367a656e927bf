/**
 * Secrets never leave: with a Research API client key and secret, an admin token and a Redis URL with a password
 * configured, a whole pipeline runs (TikTok and Research API samples, API requests with the token, a deliberate log
 * line carrying the secrets) with every log line captured. None of the secret strings may appear in the logs, in
 * anything stored in Redis (every key, every type), in the ClickHouse tables, or in an export; an export that would
 * contain one is refused.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { App } from '../../src/runtime/app.ts';
import { mountAll } from '../../src/api/mount-all.ts';
import { secretValues, type Config } from '../../src/config/config.ts';
import { createRootLogger, logger } from '../../src/util/log.ts';
import { startFakeTikTok, type FakeTikTok } from '../../src/demo/fake-tiktok.ts';
import { startFakeResearch, type FakeResearch } from '../../src/demo/fake-research.ts';
import { exportObservations, ExportSecretError } from '../../src/services/export.ts';
import { rawCountQuery } from '../../src/store/queries.ts';
import { T } from '../../src/store/migrations.ts';
import type { ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { startTestRedis, type TestRedis } from '../helpers/redis.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig } from '../helpers/config.ts';
import { waitUntil } from '../helpers/wait.ts';
import { obs } from '../helpers/observations.ts';

const RESEARCH_KEY = 'rk-KEY-7f3a9c1e55';
const RESEARCH_SECRET = 'rs-SECRET-0b4d2e8a91c7';
const ADMIN_TOKEN = 'admin-TOKEN-5e1c9a7b3d2f';
const REDIS_PASSWORD = 'redis-PASS-c4f8a2e6b1d9';
const SECRETS = [RESEARCH_KEY, RESEARCH_SECRET, ADMIN_TOKEN, REDIS_PASSWORD];

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Every value stored in Redis, whatever its type, as one text. */
async function dumpRedis(r: Redis): Promise<{ keys: number; text: string }> {
  const parts: string[] = [];
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await r.scan(cursor, 'COUNT', 500);
    cursor = next;
    for (const key of batch) {
      keys++;
      const type = await r.type(key);
      const value =
        type === 'string' ? await r.get(key)
        : type === 'hash' ? await r.hgetall(key)
        : type === 'list' ? await r.lrange(key, 0, -1)
        : type === 'set' ? await r.smembers(key)
        : type === 'zset' ? await r.zrange(key, 0, -1, 'WITHSCORES')
        : type === 'stream' ? await r.xrange(key, '-', '+')
        : type;
      parts.push(key, JSON.stringify(value));
    }
  } while (cursor !== '0');
  return { keys, text: parts.join('\n') };
}

describe('secrets never appear in logs, job payloads, the store or exports', () => {
  const dir = tempDir('tagpulse-secrets-');
  const logLines: string[] = [];
  let redis: TestRedis;
  let fake: FakeTikTok;
  let research: FakeResearch;
  let cfg: Config;
  let app: App;

  beforeAll(async () => {
    const port = await freePort();
    redis = await startTestRedis(['--port', String(port), '--bind', '127.0.0.1']);
    const admin = new Redis({ path: redis.socket });
    await admin.call('ACL', 'SETUSER', 'tagpulse', 'on', `>${REDIS_PASSWORD}`, '~*', '&*', '+@all');
    admin.disconnect();
    fake = await startFakeTikTok();
    research = await startFakeResearch({ clientKey: RESEARCH_KEY, clientSecret: RESEARCH_SECRET });
    cfg = testConfig({
      dataDir: dir.dir,
      logLevel: 'trace',
      redisUrl: `redis://tagpulse:${REDIS_PASSWORD}@127.0.0.1:${port}/0`,
      adminToken: ADMIN_TOKEN,
      researchClientKey: RESEARCH_KEY,
      researchClientSecret: RESEARCH_SECRET,
      researchBaseUrl: research.url,
      tiktokBaseUrl: fake.url,
      apiPort: 0,
      loadFlushMs: 50,
      backoffMs: 200,
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    createRootLogger('trace', secretValues(cfg), sink);
    app = await new App({ cfg, command: 'secrets-test', roles: { scheduler: true, collect: true, load: true, api: true }, platforms: ['tiktok', 'tiktok_research'], mount: (router, deps) => mountAll(router, { ...deps, cfg }) }).start();
  }, 60_000);

  afterAll(async () => {
    await app?.stop();
    createRootLogger('silent');
    await research?.close();
    await fake?.close();
    await redis?.cleanup();
    dir.cleanup();
  });

  it('a full pipeline with every secret configured leaks none of them', async () => {
    expect(secretValues(cfg)).toEqual(expect.arrayContaining(SECRETS));
    await app.queues.get('tiktok')!.add('collect', { platform: 'tiktok', tag: 'mentalhealth', slot: '2030-01-01T00:00:00.000Z', reason: 'manual' }, { jobId: 'secret-tiktok' });
    await app.queues.get('tiktok_research')!.add('collect', { platform: 'tiktok_research', tag: 'mentalhealth', slot: '2030-01-01T00:00:00.000Z', reason: 'manual' }, { jobId: 'secret-research' });
    const store = app.store!;
    for (const platform of ['tiktok', 'tiktok_research']) {
      await waitUntil(async () => Number((await store.run(rawCountQuery, { platform, tag: 'mentalhealth' }))[0]!.rows) > 0, { timeoutMs: 40_000, what: `${platform} sample stored` });
    }
    expect(research.tokensIssued).toBeGreaterThan(0); // the secret really was used

    // API requests carrying the token in a header and in the query string, one of them refused.
    await fetch(`${app.api!.url}/api/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    await fetch(`${app.api!.url}/api/tracked?token=${ADMIN_TOKEN}`);
    await fetch(`${app.api!.url}/api/tracked`, { method: 'POST', headers: { authorization: `Bearer wrong-${ADMIN_TOKEN}` }, body: '{}' });
    // A careless log line: the secrets as fields, in a header, in a URL and in the message itself.
    logger('careless').error({ clientSecret: RESEARCH_SECRET, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, url: cfg.redisUrl, key: RESEARCH_KEY }, `token ${ADMIN_TOKEN} for ${RESEARCH_SECRET}`);

    const logs = logLines.join('');
    expect(logs).toMatch(/"msg":"sampled"/); // the pipeline did log, at trace level
    expect(logs).toContain('[redacted]');
    for (const s of SECRETS) expect(logs.includes(s), `log contains ${s}`).toBe(false);

    const r = new Redis({ path: redis.socket });
    const dump = await dumpRedis(r);
    r.disconnect();
    expect(dump.keys).toBeGreaterThan(10);
    expect(dump.text).toContain('mentalhealth'); // job payloads were scanned
    for (const s of SECRETS) expect(dump.text.includes(s), `redis contains ${s}`).toBe(false);

    const ch = (store as ClickHouseStore).client;
    for (const table of [T.observations, T.failures, T.tracked, T.events]) {
      const text = await (await ch.query({ query: `SELECT * FROM ${table}`, format: 'JSONEachRow' })).text();
      for (const s of SECRETS) expect(text.includes(s), `${table} contains ${s}`).toBe(false);
    }

    const exported = await exportObservations(store, { platform: 'tiktok', tags: ['mentalhealth'], format: 'csv' }, { secrets: secretValues(cfg) });
    expect(exported.rows).toBeGreaterThan(0);
    const exportText = exported.bytes.toString('utf8') + JSON.stringify(exported.citation);
    for (const s of SECRETS) expect(exportText.includes(s), `export contains ${s}`).toBe(false);
  }, 90_000);

  it('credentials in stored provenance URLs are scrubbed from exports; any other secret makes the export fail', async () => {
    const store = app.store!;
    await store.insertObservations([obs({ tag: 'scrubbed', observedAt: '2024-01-01T00:00:00.000Z', value: '5', provenance: `https://u:${REDIS_PASSWORD}@example.org/?token=${ADMIN_TOKEN}` })]);
    const scrubbed = (await exportObservations(store, { platform: 'tiktok', tags: ['scrubbed'], format: 'jsonl' }, { secrets: secretValues(cfg) })).bytes.toString('utf8');
    expect(scrubbed).toContain('[redacted]');
    for (const s of SECRETS) expect(scrubbed.includes(s)).toBe(false);

    await store.insertObservations([obs({ tag: 'leaky', observedAt: '2024-01-01T00:00:00.000Z', value: '5', note: `ask for ${ADMIN_TOKEN}` })]);
    await expect(exportObservations(store, { platform: 'tiktok', tags: ['leaky'], format: 'jsonl' }, { secrets: secretValues(cfg) })).rejects.toBeInstanceOf(ExportSecretError);
  });
});
