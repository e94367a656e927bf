// Preloaded into benchmark child processes (NODE_OPTIONS=--import=…): writes the process's peak RSS (KiB) to the
// file named by TAGPULSE_RSS_PROBE when it exits, however it exits.
import { writeFileSync } from 'node:fs';
const file = process.env.TAGPULSE_RSS_PROBE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
