/**
 * A/B micro-bench of the outbound HTTP client: CPU per request (process.cpuUsage of this process) of the frozen
 * node:http version (bench/lib/http-legacy.ts) against the current src/collectors/common/http.ts (undici), both
 * against the fake TikTok server in a process of its own (its CPU is not counted). Rounds alternate A/B/A/B… so load
 * drift on the shared machine hits both sides alike; the figure is the median per side and their ratio.
 *
 *   node bin/run-ts.js bench/http-ab.ts [--requests 20000] [--rounds 10] [--concurrency 16]
 */
import { httpRequest as legacyRequest } from './lib/http-legacy.ts';
import { httpRequest as undiciRequest } from '../src/collectors/common/http.ts';
import { startFakeTikTokProcess, median } from './lib/context.ts';
import { loadavg } from 'node:os';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const requests = arg('requests', 20_000);
const rounds = arg('rounds', 10);
const concurrency = arg('concurrency', 16);
const perRound = Math.ceil(requests / rounds);

type Fetch = typeof undiciRequest;
const sides: Array<[string, Fetch]> = [
  ['node:http (old)', legacyRequest],
  ['undici (new)', undiciRequest],
];

const fake = await startFakeTikTokProcess();
const opts = { allowPrivateOrigins: [fake.url], timeoutMs: 10_000, headers: { 'user-agent': 'tagpulse-bench' } };

async function run(fetch: Fetch, n: number): Promise<number> {
  let next = 0;
  let bodyBytes = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      const res = await fetch(`${fake.url}/tag/benchtag${i % 500}`, opts);
      if (res.status !== 200) throw new Error(`status ${res.status} for ${res.url}`);
      bodyBytes += res.bytes;
    }
  };
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const c = process.cpuUsage(c0);
  if (bodyBytes === 0) throw new Error('no bytes read');
  return (c.user + c.system) / n;
}

try {
  for (const [, f] of sides) await run(f, 2_000); // warm-up (JIT, connections)
  const per: number[][] = sides.map(() => []);
  const load0 = loadavg()[0]!;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const s of order) per[s]!.push(await run(sides[s]![1], perRound));
  }
  const med = per.map((xs) => median(xs));
  console.log(`${perRound * rounds} requests per side, ${rounds} interleaved rounds, concurrency ${concurrency}; load average ${load0.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`);
  sides.forEach(([name], i) => console.log(`${name.padEnd(18)} CPU µs/request: median ${med[i]!.toFixed(1)}  rounds ${per[i]!.map((x) => x.toFixed(0)).join(' ')}`));
  console.log(`new ÷ old: ${(med[1]! / med[0]!).toFixed(3)}  (saves ${(med[0]! - med[1]!).toFixed(1)} µs/request)`);
} finally {
  await fake.close();
}
