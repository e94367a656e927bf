/**
 * Why: figure 1 is bounded by the tagpulse process's CPU per sample; this runs the same pipeline as bench/lib/pipeline.ts
 * (same App, fake server in its own process, concurrency 16) and profiles only the measured run with the V8 sampling
 * profiler, so the warm-up (tsx compilation, JIT) does not hide the steady state. Writes a .cpuprofile and prints CPU per
 * sample of tagpulse, Redis and the fake server, Redis commands per sample (INFO commandstats, Lua-internal calls
 * included) and the main thread's time per sample by component (each sample of the profile goes to the first
 * component, in the order of COMPONENTS, that any frame of its stack belongs to).
 *
 *   node bin/run-ts.js bench/profile-pipeline.ts [--samples 3000] [--out /tmp/pipeline.cpuprofile] [--no-profile]
 *     [--heap] [--set configKey=value ...]
 *
 *   node bin/run-ts.js bench/profile-pipeline.ts --summarize <file.cpuprofile> <samples>   (breakdown of a saved profile)
 *
 * --heap also writes an allocation sampling profile (<out>.heapprofile); --set overrides a config key (experiments).
 * It also prints the CPU per sample of each thread of the tagpulse process (/proc): `main` is the event loop, `node`
 * V8's helpers (GC, compilers), the others chDB's (`Unknown` runs its queries, `MergeMutate` its merges).
 */
import { Session } from 'node:inspector/promises';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { enqueueScheduled, startPipelineApp } from './lib/pipeline.ts';
import { connectionFor } from '../src/queue/redis.ts';
import { byComponent, formatComponents, type CpuProfile } from './lib/cpu-profile.ts';
import { openBenchContext, until, startFakeTikTokProcess, withCpu, fmt } from './lib/context.ts';

/** CPU ms (user + system, 10 ms ticks) of each thread of this process, by thread id, with the thread's name (/proc, Linux). */
function threadCpuMs(): Map<string, { name: string; ms: number }> {
  const out = new Map<string, { name: string; ms: number }>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = tid === String(process.pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { name, ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const samples = Number(opt('--samples', '3000'));
const out = opt('--out', '/tmp/pipeline.cpuprofile');
const profile = !args.includes('--no-profile');
/** --set key=value (repeatable): config overrides for experiments. */
const overrides: Record<string, unknown> = {};
args.forEach((a, i) => {
  if (a !== '--set') return;
  const [k, v] = args[i + 1]!.split('=');
  overrides[k!] = Number.isNaN(Number(v)) ? v : Number(v);
});

if (args.includes('--summarize')) {
  const [file, n] = [args[args.indexOf('--summarize') + 1]!, Number(args[args.indexOf('--summarize') + 2])];
  process.stdout.write(formatComponents(byComponent(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, n)));
  process.exit(0);
}

const ctx = await openBenchContext();
const fake = await startFakeTikTokProcess();
let stored = 0;
const app = await startPipelineApp(ctx, { tiktokBaseUrl: fake.url, collectConcurrency: 16, ...overrides }, (n) => void (stored += n));
let lastCollected = 0;
for (const w of app.workers) if ((w as { loadBuffer?: unknown }).loadBuffer) w.on('completed', () => void (lastCollected = performance.now()));
let tailMs = 0;
const run = async (n: number, batch: string) => {
  const target = stored + 2 * n;
  const t0 = performance.now();
  await enqueueScheduled(app, n, batch);
  await until(() => stored >= target, 300_000, `${n} samples stored`);
  tailMs = performance.now() - lastCollected;
  return (performance.now() - t0) / 1000;
};
try {
  await run(300, 'warmup');
  await run(samples, 'warm2');
  const session = new Session();
  if (profile) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    if (args.includes('--heap')) await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
  }
  const stats = connectionFor(ctx.redis, 'worker');
  const commandStats = async () => {
    const m = new Map<string, number>();
    for (const line of (await stats.info('commandstats')).split('\n')) {
      const x = /^cmdstat_([^:]+):calls=(\d+)/.exec(line);
      if (x) m.set(x[1]!, Number(x[2]));
    }
    return m;
  };
  const threads0 = threadCpuMs();
  const before = await commandStats();
  const loadJobs0 = app.workers.reduce((a, w) => a + ((w as { loadBuffer?: { loadJobsSent: number } }).loadBuffer?.loadJobsSent ?? 0), 0);
  const r = await withCpu([ctx.redisPid, fake.pid], () => run(samples, 'measured'));
  const after = await commandStats();
  const threads1 = threadCpuMs();
  const loadJobs = app.workers.reduce((a, w) => a + ((w as { loadBuffer?: { loadJobsSent: number } }).loadBuffer?.loadJobsSent ?? 0), 0) - loadJobs0;
  const calls = [...after].map(([k, v]) => [k, (v - (before.get(k) ?? 0)) / samples] as const).filter(([, v]) => v > 0.001).sort((a, b) => b[1] - a[1]);
  process.stdout.write(`redis calls per sample: ${calls.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')} (total ${calls.reduce((a, [, v]) => a + v, 0).toFixed(2)}); load jobs ${loadJobs}\n`);
  stats.disconnect();
  if (profile) {
    if (args.includes('--heap')) {
      const { profile: h } = await session.post('HeapProfiler.stopSampling');
      writeFileSync(out.replace(/\.cpuprofile$/, '') + '.heapprofile', JSON.stringify(h));
    }
    const { profile: p } = await session.post('Profiler.stop');
    writeFileSync(out, JSON.stringify(p));
    session.disconnect();
    process.stdout.write(formatComponents(byComponent(p as unknown as CpuProfile, samples)));
  }
  const per = (ms: number) => fmt(ms / samples, 3);
  const byName = new Map<string, number>();
  for (const [tid, t] of threads1) byName.set(t.name, (byName.get(t.name) ?? 0) + t.ms - (threads0.get(tid)?.ms ?? 0));
  process.stdout.write(`tagpulse threads, CPU µs per sample: ${[...byName].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]).map(([k, ms]) => `${k} ${fmt((1000 * ms) / samples)}`).join(', ')}\n`);
  process.stdout.write(`${samples} samples in ${fmt(r.result, 2)} s (${fmt(samples / r.result)}/s); CPU ms/sample: tagpulse ${per(r.cpuMs.self)}, redis ${per(r.cpuMs.others[0]!)}, server ${per(r.cpuMs.others[1]!)}; last collect→stored ${fmt(tailMs)} ms${profile ? `; profile ${out}` : ''}\n`);
} finally {
  await app.stop();
  await fake.close();
  await ctx.close();
}
