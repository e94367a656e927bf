/**
 * The main thread's time per sample by component, from a V8 .cpuprofile of the pipeline (bench/profile-pipeline.ts).
 * Each profile sample goes to the first component, in the order of COMPONENTS, that any frame of its stack belongs to
 * (so a socket write under moveToFinished counts as moveToFinished, not as ioredis).
 */
/** Components of the main thread's time, in order of precedence (the first that matches a stack frame wins). */
const COMPONENTS: [string, RegExp][] = [
  ['idle', /^\(idle\)|node:inspector/],
  ['garbage collector', /^\(garbage collector\)/],
  ['bench producer (addBulk of collect jobs, the scheduler\'s stand-in)', /profile-pipeline|addJobs |addBulk /],
  ['summary refresh after loads (services/tag-summaries, analytics)', /tag-summaries|src\/analytics\//],
  ['TikTok page parse', /collectors\/tiktok\/parse|collectors\/common\/(json|display-count)/],
  ['zod validation', /node_modules\/zod\//],
  ['loaded marks (ZMSCORE, ZADD)', /loaded-marks|partsOf |identity\.ts/],
  ['chDB insert (store, client encoding)', /clickhouse|chdb|src\/store\//],
  ['loader (batcher)', /workers\/load\.ts/],
  ['load job add (load-buffer)', /load-buffer|addStandardJob |addJob /],
  ['collect worker (job payload, outcome → observations)', /workers\/collect|collectors\/outcomes/],
  ['HTTP client (request, socket write, response)', /collectors\/common\/(http|outcome)|_http_|node:http|onSocketNT|http-collector/],
  ['BullMQ moveToFinished', /^moveToFinished /],
  ['BullMQ moveToActive', /^moveToActive /],
  ['BullMQ waitForJob', /^waitForJob /],
  ['BullMQ other', /node_modules\/bullmq\//],
  ['ioredis (reply parsing, socket reads)', /node_modules\/(ioredis|redis-parser|msgpackr)\//],
];

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Main-thread µs per sample by component (see COMPONENTS). */
export function byComponent(p: CpuProfile, n: number): [string, number][] {
  const parent = new Map<number, number>();
  const frames = new Map<number, string>();
  for (const node of p.nodes) {
    frames.set(node.id, `${node.callFrame.functionName} ${node.callFrame.url}`);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  const componentOf = new Map<number, string>();
  const out = new Map<string, number>();
  p.samples.forEach((id, i) => {
    let label = componentOf.get(id);
    if (label === undefined) {
      let best = COMPONENTS.length;
      for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
        const f = frames.get(cur)!;
        for (let k = 0; k < best; k++) if (COMPONENTS[k]![1].test(f)) best = k;
      }
      label = best < COMPONENTS.length ? COMPONENTS[best]![0] : 'other';
      componentOf.set(id, label);
    }
    out.set(label, (out.get(label) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return [...out].map(([k, us]) => [k, us / n] as [string, number]).sort((a, b) => b[1] - a[1]);
}


/** The breakdown as text lines (µs per sample, busy total first). */
export function formatComponents(parts: [string, number][]): string {
  const busy = parts.filter(([k]) => k !== 'idle').reduce((a, [, us]) => a + us, 0);
  const f = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  return `main thread, µs per sample (busy ${f(busy)}):\n${parts.map(([k, us]) => `  ${f(us).padStart(7)}  ${k}`).join('\n')}\n`;
}

