/**
 * Alerts end to end: observations go through the real load queue (BullMQ on a real Redis), the load worker and its
 * batcher into chDB; the post-load hook evaluates the rules and POSTs to a webhook receiver on 127.0.0.1.
 * Exactly one delivery per episode, retries of a failing webhook (within an evaluation and at the next one), the
 * delivery log, and no webhook token in the logs.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { createLoadWorker, type Batcher } from '../../../src/workers/load.ts';
import { LOAD_QUEUE, openQueue } from '../../../src/queue/queues.ts';
import { connectionFor } from '../../../src/queue/redis.ts';
import { createPostLoadHook, type PostLoadHook } from '../../../src/alerts/hook.ts';
import { alertRecentQuery } from '../../../src/store/analytics-queries.ts';
import type { AlertPayload } from '../../../src/alerts/evaluator.ts';
import { createRootLogger } from '../../../src/util/log.ts';
import type { Observation } from '../../../src/schema/observation.ts';
import { obs } from '../../helpers/observations.ts';
import { startTestRedis, type TestRedis } from '../../helpers/redis.ts';
import { testConfig } from '../../helpers/config.ts';
import { tempDir, randomName } from '../../helpers/tmp.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { HOUR } from './series.ts';

const WEBHOOK_TOKEN = 's3cret-webhook-token';
const T0 = Date.parse('2024-09-01T00:00:00.000Z');

/** A webhook receiver: records every request and answers with the next scripted status (200 when none). */
async function startReceiver() {
  const requests: { body: AlertPayload; url: string; contentType: string | undefined }[] = [];
  const script: number[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertPayload, url: req.url ?? '', contentType: req.headers['content-type'] });
      res.writeHead(script.shift() ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, script, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('alerts: load worker → post-load hook → webhook', () => {
  let redis: TestRedis;
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let hook: PostLoadHook;
  let worker: Worker;
  let batcher: Batcher;
  let queue: Queue;
  const conns: Redis[] = [];
  const logs: string[] = [];
  /** Next sample time and value per tag. */
  const state = new Map<string, { t: number; v: bigint }>();
  let jobN = 0;

  /** Samples of one tag continuing its series, one per hour, growing by the given increments. */
  const samples = (tag: string, increments: number[]): Observation[] =>
    increments.map((inc) => {
      const s = state.get(tag) ?? { t: T0, v: 1_000_000n };
      const next = { t: s.t + HOUR, v: s.v + BigInt(inc) };
      state.set(tag, next);
      return obs({ tag, observedAt: new Date(next.t).toISOString(), value: next.v.toString() });
    });

  /** One load job through the queue; resolves when the hook finished evaluating it. */
  const load = async (observations: Observation[]) => {
    const before = hook.rounds();
    await queue.add('load', { observations, failures: [] }, { jobId: `load-${++jobN}` });
    await waitUntil(() => hook.rounds() > before, { timeoutMs: 30_000, what: 'the alert evaluation of the load' });
    await hook.idle();
  };

  const deliveries = async () => store.run(alertRecentQuery, { since: '2000-01-01T00:00:00Z', limit: 100 });
  const forTag = (tag: string) => receiver.requests.filter((r) => r.body.tag === tag);

  beforeAll(async () => {
    createRootLogger('info', [], new Writable({ write: (c: Buffer, _e, cb) => (logs.push(c.toString()), cb()) }));
    redis = await startTestRedis();
    receiver = await startReceiver();
    dir = tempDir();
    const cfg = testConfig({
      dataDir: dir.dir,
      alertWebhookUrl: `${receiver.url}/hook?token=${WEBHOOK_TOKEN}`,
      publicUrl: 'https://pulse.example.org',
      alerts: {
        rules: [
          { name: 'fast', kind: 'velocity', threshold: 5000, window: '1h', tags: ['alpha', 'beta', 'gamma'] },
          { name: 'posts-only', kind: 'velocity', threshold: 1, window: '1h', metric: 'posts' },
        ],
        delivery: { attempts: 3, backoffMs: 50, timeoutMs: 2000, maxAttempts: 6 },
      },
    });
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    hook = createPostLoadHook(cfg, () => store)!;
    const naming = { prefix: 'tp', suffix: randomName('alerts') };
    const wconn = connectionFor(redis.target, 'worker');
    const pconn = connectionFor(redis.target, 'producer');
    conns.push(wconn, pconn);
    ({ worker, batcher } = createLoadWorker({ store, connection: wconn, naming, batchSize: 1000, flushMs: 20, lockDurationMs: 10_000, stalledIntervalMs: 5000, onLoaded: hook }));
    queue = openQueue(LOAD_QUEUE, pconn, naming);
    // Two days of quiet history for every tag (1000/h), loaded as one batch: nothing fires.
    await load([...samples('alpha', Array(48).fill(1000)), ...samples('beta', Array(48).fill(1000)), ...samples('gamma', Array(48).fill(1000))]);
  }, 60_000);

  afterAll(async () => {
    await worker?.close();
    await batcher?.close();
    await hook?.idle();
    await queue?.close();
    for (const c of conns) c.disconnect();
    await store?.close();
    await receiver?.close();
    await redis?.cleanup();
    dir?.cleanup();
  });

  it('the quiet history fires nothing', async () => {
    expect(receiver.requests).toEqual([]);
    expect(await deliveries()).toEqual([]);
  });

  it('delivers exactly one alert per episode, re-deliveries of a load included', async () => {
    await load(samples('alpha', [8000])); // above the threshold: episode 1 opens
    await load(samples('alpha', [9000])); // still above: same episode
    const episode1 = samples('alpha', [1000]); // below: episode over
    await load(episode1);
    const reopen = samples('alpha', [7000]); // above again: episode 2
    await load(reopen);
    await load(reopen); // the same load re-delivered
    const got = forTag('alpha');
    expect(got.length).toBe(2);
    expect(new Set(got.map((r) => r.body.id)).size).toBe(2);
    const [first, second] = got.map((r) => r.body);
    expect(first).toMatchObject({
      rule: 'fast',
      kind: 'velocity',
      platform: 'tiktok',
      tag: 'alpha',
      metric: 'views',
      values: { window: '1h', threshold: 5000, velocityPerHour: 8000, latestValue: String(1_000_000n + 48_000n + 8000n), observedAt: new Date(T0 + 49 * HOUR).toISOString() },
      link: 'https://pulse.example.org/tag?platform=tiktok&tag=alpha&metric=views',
    });
    expect(Date.parse(first!.firedAt)).toBeGreaterThan(0);
    expect(second!.values).toMatchObject({ velocityPerHour: 7000, observedAt: reopen[0]!.observedAt });
    expect(got.every((r) => r.contentType === 'application/json' && r.url === `/hook?token=${WEBHOOK_TOKEN}`)).toBe(true);
    const rows = (await deliveries()).filter((d) => d.tag === 'alpha');
    expect(rows.map((d) => [d.rule, d.window_key, d.delivered, d.attempts]).sort()).toEqual([
      ['fast', `from:${new Date(T0 + 49 * HOUR).toISOString()}`, true, 1],
      ['fast', `from:${reopen[0]!.observedAt}`, true, 1],
    ]);
    expect(episode1.length).toBe(1);
  }, 60_000);

  it('retries a failing webhook with backoff within the evaluation', async () => {
    receiver.script.push(500);
    await load(samples('beta', [6000]));
    const got = forTag('beta');
    expect(got.map((r) => r.body.id)).toEqual([got[0]!.body.id, got[0]!.body.id]);
    const [row] = (await deliveries()).filter((d) => d.tag === 'beta');
    expect(row).toMatchObject({ delivered: true, attempts: 2 });
  }, 60_000);

  it('keeps a delivery that failed every attempt and retries it at the next evaluation', async () => {
    receiver.script.push(500, 503, 500);
    await load(samples('gamma', [6000]));
    expect(forTag('gamma').length).toBe(3);
    expect((await deliveries()).find((d) => d.tag === 'gamma')).toMatchObject({ delivered: false, attempts: 3 });
    // Any later load (here a quiet sample of another tag) evaluates again and retries the pending delivery.
    await load(samples('alpha', [1000]));
    const got = forTag('gamma');
    expect(got.length).toBe(4);
    expect(new Set(got.map((r) => r.body.id)).size).toBe(1);
    expect((await deliveries()).find((d) => d.tag === 'gamma')).toMatchObject({ delivered: true, attempts: 4 });
  }, 60_000);

  it('applies rule filters: a posts rule ignores views and fires on posts', async () => {
    expect(receiver.requests.some((r) => r.body.rule === 'posts-only')).toBe(false);
    await load([obs({ tag: 'delta', metric: 'posts', observedAt: new Date(T0).toISOString(), value: '10' }), obs({ tag: 'delta', metric: 'posts', observedAt: new Date(T0 + HOUR).toISOString(), value: '15' })]);
    expect(receiver.requests.filter((r) => r.body.rule === 'posts-only').map((r) => [r.body.tag, r.body.metric, r.body.values.velocityPerHour])).toEqual([['delta', 'posts', 5]]);
  }, 60_000);

  it('logs every alert without the webhook URL or its token', () => {
    const text = logs.join('');
    expect(text).toContain('"msg":"alert fired"');
    expect(text).toContain('alert delivery failed; retried at the next evaluation');
    expect(text).not.toContain(WEBHOOK_TOKEN);
    expect(text).not.toContain(receiver.url);
  });
});
