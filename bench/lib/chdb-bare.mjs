// The baseline of the CLI-start figure: a bare Node process that opens the same chDB data dir and runs the same
// query as `tagpulse report <tag> --json` (one tag's series, FINAL, by primary key: src/store/queries.ts `series`),
// then prints the row count as JSON. The table name is passed in (bench/lib/cli-start.ts gives the current T.observations),
// so the baseline reads the table tagpulse reads (it read observations_v1, empty since migration 8, until 2026-12-05).
//   node bench/lib/chdb-bare.mjs <chdb dir> <table> <platform> <tag> <metric>
import { Session } from 'chdb';
const [dir, table, platform, tag, metric] = process.argv.slice(2);
if (!/^[a-z_0-9]+$/.test(table ?? '')) throw new Error(`chdb-bare: bad table name ${table}`);
const session = new Session(dir);
const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const out = session.query(
  `SELECT observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision
FROM ${table} FINAL WHERE platform = ${q(platform)} AND tag = ${q(tag)} AND metric = ${q(metric)} ORDER BY observed_at`,
  'JSON',
);
const rows = JSON.parse(out).data;
process.stdout.write(JSON.stringify({ rows: rows.length }) + '\n');
session.cleanup?.();
