import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, withStore, type GlobalOptions, type Io } from '../common.ts';
import { addTracked, listTracked, removeTracked } from '../../services/tracking.ts';
import { formatEvery } from '../../schema/tracked.ts';
import { computeCapacity } from '../../services/capacity.ts';

export interface TrackAddOptions extends GlobalOptions {
  tags: string[];
  platform: string;
  every?: string;
}

export async function runTrackAdd(opts: TrackAddOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const { rows, all } = await withStore(cfg, 'track add', async (store) => {
    const added = await addTracked(store, { tags: opts.tags, platform: opts.platform, every: opts.every ?? cfg.defaultEvery });
    return { rows: added, all: await listTracked(store) };
  });
  for (const r of rows) io.out(`tracking #${r.tag} on ${r.platform} every ${formatEvery(r.everyMs)}`);
  // Can the whole schedule of this platform be met under its rate limit? Say so now, not after samples go missing.
  for (const c of computeCapacity(cfg, all).filter((x) => x.platform === opts.platform && !x.ok)) io.err(`warning: ${c.message}`);
  return 0;
}

export async function runTrackList(opts: GlobalOptions & { json?: boolean }, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const rows = await withStore(cfg, 'track list', (store) => listTracked(store));
  if (opts.json) {
    for (const r of rows) io.out(JSON.stringify(r));
  } else if (!rows.length) {
    io.out('no tracked tags yet: tagpulse track add <tag> [--every 1h]');
  } else {
    for (const r of rows) io.out(`${r.platform.padEnd(10)} #${r.tag.padEnd(32)} every ${formatEvery(r.everyMs).padEnd(5)} since ${r.addedAt}`);
  }
  return 0;
}

export async function runTrackRemove(opts: GlobalOptions & { tags: string[]; platform: string }, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const r = await withStore(cfg, 'track remove', (store) => removeTracked(store, { tags: opts.tags, platform: opts.platform }));
  for (const t of r.removed) io.out(`stopped tracking #${t} on ${opts.platform} (its history is kept)`);
  for (const t of r.notTracked) io.err(`#${t} was not tracked on ${opts.platform}`);
  return r.notTracked.length && !r.removed.length ? 2 : 0;
}

export function configureTrackCommand(program: Command): void {
  const track = program.command('track').description('choose which tags are sampled');
  track
    .command('add <tags...>')
    .description('track tags (a leading # is fine): sampled on a schedule from now on')
    .option('--platform <platform>', 'tiktok | instagram | youtube | tiktok_research', 'tiktok')
    .option('--every <cadence>', 'sampling cadence, e.g. 15m, 1h, 6h, 1d (default from config: 1h)')
    .action(async (tags: string[], _o, cmd: Command) => {
      const o = globalsOf(cmd) as TrackAddOptions;
      process.exitCode = await runAction(stdio, () => runTrackAdd({ ...o, tags }));
    });
  track
    .command('list')
    .description('list tracked tags')
    .option('--json', 'one JSON object per line')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runTrackList(globalsOf(cmd) as GlobalOptions & { json?: boolean }));
    });
  track
    .command('remove <tags...>')
    .description('stop sampling tags (stored history stays)')
    .option('--platform <platform>', 'platform', 'tiktok')
    .action(async (tags: string[], _o, cmd: Command) => {
      const o = globalsOf(cmd) as GlobalOptions & { platform: string };
      process.exitCode = await runAction(stdio, () => runTrackRemove({ ...o, tags }));
    });
}
