/**
 * Why: a short command (`tagpulse report`) opens the embedded store each time, and checking the migrations costs a
 * FINAL read of schema_migrations on a cold chDB session (tens of ms of a ~1 s command). After every successful
 * `migrate()` the embedded store writes this stamp into its chDB dir: the list of migrations that are recorded there.
 * A command whose code knows exactly that list skips the check; any other list (a newer or older tagpulse, no stamp,
 * an unreadable stamp) runs `migrate()`, which reads the table, applies what is missing and writes the stamp again.
 * The stamp lives inside the chDB dir so it moves, is restored and is deleted with the data it describes. Long-running
 * owners (run, serve) and `tagpulse migrate` always check the table.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrations } from './migrations.ts';

export const schemaStampFile = (dataDir: string) => join(dataDir, 'chdb', 'tagpulse-schema.json');

/** The migrations this code knows, in order: "version:name,…". */
export function schemaFingerprint(): string {
  return migrations.map((m) => `${m.version}:${m.name}`).join(',');
}

/** Whether the store in dataDir was stamped, by a completed migrate(), with exactly the migrations this code knows. */
export function schemaStamped(dataDir: string): boolean {
  try {
    const s = JSON.parse(readFileSync(schemaStampFile(dataDir), 'utf8')) as { migrations?: unknown };
    return s.migrations === schemaFingerprint();
  } catch {
    return false;
  }
}

/** Record that every migration this code knows is applied (written atomically: a torn file reads as no stamp). */
export function writeSchemaStamp(dataDir: string): void {
  const f = schemaStampFile(dataDir);
  const tmp = `${f}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ migrations: schemaFingerprint(), writtenAt: new Date().toISOString() }) + '\n');
  renameSync(tmp, f);
}
