import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, UserError, type GlobalOptions, type Io } from '../common.ts';
import { renderAll, renderData } from '../../store/migrations.ts';
import { databaseOf } from '../../store/clickhouse-store.ts';
import { openStore } from '../../store/open.ts';
import type { Topology } from '../../store/ddl.ts';

export interface MigrateOptions extends GlobalOptions {
  topology?: Topology;
  cluster?: string;
  print?: boolean;
}

export async function runMigrate(opts: MigrateOptions, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts, { ...(opts.topology ? { topology: opts.topology } : {}), ...(opts.cluster ? { clusterName: opts.cluster } : {}) });
  const topology: Topology = cfg.topology ?? (cfg.clickhouseUrl ? 'single' : 'embedded');
  if (opts.print) {
    const database = cfg.clickhouseUrl ? databaseOf(cfg.clickhouseUrl) : undefined;
    const ctx = { topology, cluster: cfg.clusterName, ...(database ? { database } : {}) };
    for (const s of renderAll(ctx)) io.out(s + ';\n');
    for (const s of renderData(ctx)) io.out(s + ';\n');
    return 0;
  }
  if (topology !== 'embedded' && !cfg.clickhouseUrl) throw new UserError(`--topology ${topology} needs a server: pass --clickhouse-url (or use --print to see the DDL)`);
  const store = await openStore({ ...cfg, topology }, 'schema');
  try {
    const r = await store.migrate();
    io.out(r.applied.length ? `applied migrations ${r.applied.join(', ')} (${topology})` : `schema is up to date (${topology})`);
  } finally {
    await store.close();
  }
  return 0;
}

export function configureMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('create or update the ClickHouse schema (idempotent)')
    .option('--topology <topology>', 'embedded | single | cluster')
    .option('--cluster <name>', 'cluster name for ON CLUSTER (default {cluster} macro)')
    .option('--print', 'print the DDL instead of running it')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runMigrate(globalsOf(cmd) as MigrateOptions));
    });
}
