import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, UserError, withStore, type GlobalOptions, type Io } from '../common.ts';
import { createCollectors } from '../../collectors/registry.ts';
import { toObservations } from '../../workers/collect.ts';
import { normalizeTag } from '../../schema/tag.ts';
import type { Observation } from '../../schema/observation.ts';
import type { CollectionFailure } from '../../schema/failure.ts';
import { failurePolicy } from '../../schema/failure.ts';
import type { Config } from '../../config/config.ts';
import { formatCount } from '../format.ts';
import { failureAdvice } from '../../collectors/common/advice.ts';

export interface SampleOptions extends GlobalOptions {
  tags: string[];
  platform: string;
  json?: boolean;
  method?: 'http' | 'browser' | 'auto';
  tiktokBaseUrl?: string;
}

export interface SampleResult {
  observations: Observation[];
  failures: CollectionFailure[];
}

/** Sample tags now with the platform's collector, store the result (or the failure), and report it. */
export async function sampleNow(cfg: Config, platform: string, tags: string[], method?: 'http' | 'browser' | 'auto'): Promise<SampleResult> {
  const collectors = createCollectors(cfg, [platform]);
  const collector = collectors.get(platform);
  if (!collector) throw new UserError(`no collector for platform ${JSON.stringify(platform)}`);
  const out: SampleResult = { observations: [], failures: [] };
  try {
    for (const raw of tags) {
      const tag = normalizeTag(raw);
      const slot = new Date().toISOString();
      const outcome = await collector.collect(tag, method ? { method } : {});
      const fetchedAt = new Date().toISOString();
      const step = toObservations(outcome, { platform, tag, slot, fetchedAt, collectorVersion: collector.version });
      if (step.type === 'ok') out.observations.push(...step.value);
      else if (step.type === 'fail' && !outcome.ok) {
        out.failures.push({ platform, tag, kind: step.kind, statusCode: outcome.statusCode, platformCode: outcome.platformCode, message: step.message, method: outcome.method, source: '', slot, occurredAt: fetchedAt, attempt: 1, collectorVersion: collector.version, url: outcome.url });
      }
    }
  } finally {
    await collector.close?.();
  }
  return out;
}

function precisionLabel(o: Observation): string {
  if (o.precision === 'exact') return ' (exact)';
  if (o.precision === 'lower_bound') return ' (at least)';
  return ` (rounded, ±${formatCount((BigInt(o.step) / 2n).toString())})`;
}

export async function runSample(opts: SampleOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts, { ...(opts.tiktokBaseUrl ? { tiktokBaseUrl: opts.tiktokBaseUrl } : {}), ...(opts.method ? { tiktokMethod: opts.method } : {}) });
  const tags = opts.tags.map((t) => normalizeTag(t));
  const result = await sampleNow(cfg, opts.platform, tags, opts.method);
  await withStore(cfg, 'sample', async (store) => {
    await store.insertObservations(result.observations);
    await store.insertFailures(result.failures);
  });
  if (opts.json) {
    for (const o of result.observations) io.out(JSON.stringify(o));
    for (const f of result.failures) io.out(JSON.stringify({ ...f, error: { kind: f.kind, message: f.message } }));
  } else {
    for (const o of result.observations) {
      io.out(`#${o.tag} ${o.platform} ${o.metric}: ${formatCount(o.value)}${precisionLabel(o)}  source ${o.source}  at ${o.observedAt}`);
    }
    for (const f of result.failures) io.err(`#${f.tag} ${f.platform}: ${f.kind} — ${f.message}. ${failureAdvice(f.kind, f.platform)}. Nothing stored as a value; the failure was recorded.`);
  }
  if (!result.failures.length) return 0;
  return result.failures.every((f) => failurePolicy[f.kind] === 'give_up') ? 2 : 1;
}

export function configureSampleCommand(program: Command): void {
  program
    .command('sample <tags...>')
    .description('sample tags now, store the values, print them')
    .option('--platform <platform>', 'platform', 'tiktok')
    .option('--method <method>', 'http | browser | auto')
    .option('--tiktok-base-url <url>', 'TikTok origin (mirror or local server)')
    .option('--json', 'one JSON line per observation or failure')
    .action(async (tags: string[], _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runSample({ ...(globalsOf(cmd) as SampleOptions), tags }));
    });
}
