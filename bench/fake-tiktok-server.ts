/**
 * The local TikTok-shaped server in a process of its own, for benchmarks: the platform is another machine in
 * production, so its rendering work must not be charged to the event loop under test. Prints its URL, then serves
 * until stdin closes (the parent exits or closes the pipe).
 *
 *   node bin/run-ts.js bench/fake-tiktok-server.ts [--client-fetch]
 */
import { startFakeTikTok } from '../src/demo/fake-tiktok.ts';

const fake = await startFakeTikTok({ clientFetch: process.argv.includes('--client-fetch') });
process.stdout.write(`${fake.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => void fake.close().then(() => process.exit(0)));
