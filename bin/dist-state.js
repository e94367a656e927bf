// Whether dist/ (the compiled build) is current: its stamp, written as the build's last step, is at least as new as
// every file under src/. Used by bin/tagpulse.js (run dist only when current) and scripts/build.mjs (--if-stale).
// A package without src/ (the Docker image) runs dist as it is. Walking src/ costs ~2 ms for ~200 files.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const STAMP = join('dist', '.build-stamp');

/** Newest mtime of the files under dir (not of directories: a COPY into an image makes them new). */
function newestMtimeMs(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const t = e.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

/** 'current' | 'missing' | 'stale' */
export function distState(root) {
  const stamp = join(root, STAMP);
  if (!existsSync(join(root, 'dist', 'cli', 'main.js')) || !existsSync(stamp)) return 'missing';
  const src = join(root, 'src');
  if (!existsSync(src)) return 'current';
  return statSync(stamp).mtimeMs >= newestMtimeMs(src) ? 'current' : 'stale';
}
