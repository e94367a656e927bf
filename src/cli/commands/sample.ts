import type { Command } from 'commander';
import { refreshAfterWrite, tagsOf } from '../../services/tag-summaries.ts';
import { configFrom, globalsOf, runAction, stdio, UserError, withStore, type GlobalOptions, type Io } from '../common.ts';
import { createCollectors } from '../../collectors/registry.ts';
import { toFailure, toObservations } from '../../collectors/outcomes.ts';
import { normalizeTag } from '../../schema/tag.ts';
import type { Observation } from '../../schema/observation.ts';
import type { CollectionFailure } from '../../schema/failure.ts';
import { failurePolicy } from '../../schema/failure.ts';
import type { Config } from '../../config/config.ts';
import { formatCount } from '../format.ts';
import { failureAdvice } from '../../collectors/common/advice.ts';
import { evidenceLimitsOf, evidencePath, rawDirOf, saveEvidence, saveRawTo } from '../../services/raw-evidence.ts';
import { EXIT } from '../exit-codes.ts';

export interface SampleOptions extends GlobalOptions {
  tags: string[];
  platform: string;
  json?: boolean;
  method?: 'http' | 'browser' | 'auto';
  tiktokBaseUrl?: string;
  /** Keep every response (successful or not) as a file in this directory. */
  saveRaw?: string;
}

export interface SampleResult {
  observations: Observation[];
  failures: CollectionFailure[];
  /** Files written by --save-raw. */
  savedRaw: string[];
}

/** Sample tags now with the platform's collector, store the result (or the failure), and report it. */
export async function sampleNow(cfg: Config, platform: string, tags: string[], method?: 'http' | 'browser' | 'auto', saveRawDir?: string): Promise<SampleResult> {
  const collectors = createCollectors(cfg, [platform]);
  const collector = collectors.get(platform);
  if (!collector) throw new UserError(`no collector for platform ${JSON.stringify(platform)}`);
  const out: SampleResult = { observations: [], failures: [], savedRaw: [] };
  try {
    for (const raw of tags) {
      const tag = normalizeTag(raw);
      const slot = new Date().toISOString();
      const outcome = await collector.collect(tag, method ? { method } : {});
      const fetchedAt = new Date().toISOString();
      const step = toObservations(outcome, { platform, tag, slot, fetchedAt, collectorVersion: collector.version });
      const evidence = (kind: string, message: string) =>
        outcome.raw ? { platform, tag, kind, message, collectorVersion: collector.version, method: outcome.method, raw: outcome.raw } : undefined;
      const all = evidence(step.type === 'ok' ? 'ok' : step.type === 'fail' ? step.kind : 'other', step.type === 'fail' ? step.message : '');
      if (saveRawDir && all) out.savedRaw.push(await saveRawTo(saveRawDir, all));
      if (step.type === 'ok') out.observations.push(...step.value);
      else if (step.type === 'fail') {
        const kept = evidence(step.kind, step.message);
        const rawRef = kept ? await saveEvidence(cfg.dataDir, evidenceLimitsOf(cfg), kept) : '';
        out.failures.push(toFailure(step, outcome, { platform, tag, slot, occurredAt: fetchedAt, attempt: 1, collectorVersion: collector.version, rawRef }));
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
  const result = await sampleNow(cfg, opts.platform, tags, opts.method, opts.saveRaw);
  await withStore(cfg, 'sample', async (store) => {
    await store.insertObservations(result.observations);
    await store.insertFailures(result.failures);
    await refreshAfterWrite(store, tagsOf(result.observations));
  });
  if (opts.json) {
    for (const o of result.observations) io.out(JSON.stringify(o));
    for (const f of result.failures) io.out(JSON.stringify({ ...f, error: { kind: f.kind, message: f.message } }));
  } else {
    for (const o of result.observations) {
      io.out(`#${o.tag} ${o.platform} ${o.metric}: ${formatCount(o.value)}${precisionLabel(o)}  source ${o.source}  at ${o.observedAt}`);
    }
    for (const f of result.failures) {
      const kept = f.rawRef ? evidencePath(rawDirOf(cfg.dataDir), f.rawRef) : null;
      io.err(`#${f.tag} ${f.platform}: ${f.kind} — ${f.message}. ${failureAdvice(f.kind, f.platform)}. Nothing stored as a value; the failure was recorded.${kept ? ` The response was kept: tagpulse parse ${kept}` : ''}`);
    }
    for (const file of result.savedRaw) io.err(`raw response saved: ${file}`);
  }
  if (!result.failures.length) return EXIT.OK;
  return result.failures.every((f) => failurePolicy[f.kind] === 'give_up') ? EXIT.GAVE_UP : EXIT.ERROR;
}

export function configureSampleCommand(program: Command): void {
  program
    .command('sample <tags...>')
    .description('sample tags now, store the values, print them')
    .option('--platform <platform>', 'platform', 'tiktok')
    .option('--method <method>', 'http | browser | auto')
    .option('--tiktok-base-url <url>', 'TikTok origin (mirror or local server)')
    .option('--json', 'one JSON line per observation or failure')
    .option('--save-raw <dir>', 'keep every response (successful or not) as a JSON file in <dir>; re-read them with tagpulse parse')
    .action(async (tags: string[], _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runSample({ ...(globalsOf(cmd) as SampleOptions), tags }));
    });
}
