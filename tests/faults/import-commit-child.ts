/**
 * Child process of import-commit-kill.test.ts: a real chDB store in the given data dir gets some collected readings
 * (and their overview summary), then an import stage of rows spread over several partitions of every table, and
 * commits it. The store's commit hook kills this process with SIGKILL at the named point of the commit, so the test
 * sees what a kill -9 there leaves. Prints one JSON line before the commit: the physical rows of the test's tags in
 * each table before the import and in each stage table.
 * Mode `replace`: the file is imported (committed) first, then a second stage replaces some of its readings with other
 * values and is committed with the replaced hours to rebuild (an import with --replace); the kill hits that commit.
 * Usage: run-ts tests/faults/import-commit-child.ts <dataDir> <point> <step|*> [replace]
 */
import { openClickHouseStore, type ImportCommitPoint } from '../../src/store/clickhouse-store.ts';
import { observationLine } from '../../src/store/rows.ts';
import { T } from '../../src/store/migrations.ts';
import { refreshSummaries } from '../../src/services/tag-summaries.ts';
import { obs } from '../helpers/observations.ts';
import { COLLECTED, IMPORTED, REPLACED, TAGS } from './import-commit-data.ts';

const [dataDir, point, step, mode] = process.argv.slice(2) as [string, ImportCommitPoint, string, string | undefined];
let armed = mode !== 'replace';
const store = await openClickHouseStore({
  dataDir,
  onImportCommitStep: (p, s) => {
    if (armed && p === point && (step === '*' || s === step)) process.kill(process.pid, 'SIGKILL');
  },
});
await store.migrate();
await store.insertObservations(COLLECTED.map((o) => obs(o)));
if (mode === 'replace') {
  const first = (await store.openImportStage())!;
  await store.stageObservationLines(first, IMPORTED.map((o) => `${observationLine(obs(o))}\n`).join(''), { dedupToken: `${first}-1` });
  await store.commitImportStage(first);
}
await refreshSummaries(store, TAGS.map((tag) => ({ platform: 'tiktok', tag })));

const count = async (table: string): Promise<number> => {
  const r = await store.client.query({ query: `SELECT count() AS n FROM ${table} WHERE tag IN ({tags:Array(String)})`, query_params: { tags: TAGS }, format: 'JSONEachRow' });
  return Number(((await r.json()) as { n: string }[])[0]!.n);
};
const tables = [T.observations, T.hourly, T.daily];
const pre = Object.fromEntries(await Promise.all(tables.map(async (t) => [t, await count(t)])));

const stage = (await store.openImportStage())!;
const lines = (mode === 'replace' ? REPLACED : IMPORTED).map((o) => `${observationLine(obs(o))}\n`);
const half = Math.ceil(lines.length / 2);
await store.stageObservationLines(stage, lines.slice(0, half).join(''), { dedupToken: `${stage}-1` });
await store.stageObservationLines(stage, lines.slice(half).join(''), { dedupToken: `${stage}-2` });
const staged = Object.fromEntries(
  await Promise.all(tables.map(async (t) => [t, await count(t === T.observations ? `import_stage_${stage}` : `import_stage_${stage}__${t}`)])),
);
process.stdout.write(`${JSON.stringify({ stage, pre, staged })}\n`);

armed = true;
const hour = (iso: string) => new Date(Math.floor(Date.parse(iso) / 3_600_000) * 3_600_000).toISOString();
await store.commitImportStage(stage, mode === 'replace' ? { rebuild: REPLACED.map((o) => ({ platform: 'tiktok', tag: o.tag, metric: 'views', hour: hour(o.observedAt) })) } : {});
process.stdout.write('committed\n');
await store.close();
