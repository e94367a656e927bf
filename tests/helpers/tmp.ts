import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'tagpulse-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const randomName = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
