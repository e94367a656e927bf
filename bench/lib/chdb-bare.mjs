// The baseline of the CLI-start figure: a bare Node process that opens the same chDB data dir and runs the same
// query as `tagpulse report <tag> --json` (one tag's series, FINAL, by primary key), then prints the rows as JSON.
//   node bench/lib/chdb-bare.mjs <chdb dir> <platform> <tag> <metric>
import { Session } from 'chdb';
const [dir, platform, tag, metric] = process.argv.slice(2);
const session = new Session(dir);
const q = (s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const out = session.query(
  `SELECT observed_at, value, exact, step, precision, source, method, collector_version, slot, fetched_at, provenance, note, time_precision
FROM observations_v1 FINAL WHERE platform = ${q(platform)} AND tag = ${q(tag)} AND metric = ${q(metric)} ORDER BY observed_at`,
  'JSON',
);
const rows = JSON.parse(out).data;
process.stdout.write(JSON.stringify({ rows: rows.length }) + '\n');
session.cleanup?.();
