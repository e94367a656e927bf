/**
 * Data for the dashboard tests: days of history imported through the real importer (`tagpulse import`), user events,
 * and hostile text in every field that may hold free text (event name and note, observation note and provenance,
 * failure message). Tags themselves cannot carry markup: they are normalised to letters, digits and '_'.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Store } from '../../src/store/store.ts';
import type { FakeTagSpec } from '../../src/demo/fake-tiktok.ts';
import { runImport } from '../../src/cli/commands/import.ts';

const HOUR = 3_600_000;

/** Free text that would run script if it were ever inserted as HTML. */
export const HOSTILE = {
  eventName: '<script>window.__xss = "event"</script>Hostile launch',
  eventNote: '<img src=x onerror="window.__xss=\'note\'">',
  obsNote: '<img src=x onerror="window.__xss=\'obs\'">press figure',
  provenance: 'javascript:window.__xss="provenance"',
  failureMessage: '<b onmouseover="window.__xss=\'failure\'">blocked</b> by <iframe src=x>',
  tag: '<img src=x onerror=alert(1)>',
};

/** The live tags: their fake-server growth, and the shape of their imported history. */
export const SEED_TAGS: Record<string, FakeTagSpec & { history: (hoursAgo: number) => number; rounded?: bigint }> = {
  // Steady growth that accelerates towards now.
  mentalhealth: { views0: 16_400_000_000n, posts0: 3_456_789n, viewsPerHour: 2_000_000, postsPerHour: 400, history: (h) => 2 ** (-h / 96) },
  // A campaign 24 h ago: the rate jumped 2.5× (a breakout).
  suicidepreventionmonth: { views0: 412_000_000n, posts0: 98_765n, viewsPerHour: 300_000, postsPerHour: 60, history: (h) => (h < 24 ? 1 : 0.4) },
  // Flat.
  mentalhealthmatters: { views0: 13_500_000_000n, posts0: 2_100_000n, viewsPerHour: 900_000, postsPerHour: 150, history: () => 1 },
  // A wave that peaked five days ago; history known only as rounded display figures.
  tiktoktherapy: { views0: 761_000_000n, posts0: 120_000n, viewsPerHour: 120_000, postsPerHour: 30, history: (h) => 1 + 8 * Math.exp(-(((h - 120) / 30) ** 2)), rounded: 100_000n },
};

/** Deterministic ±5 % noise. */
function noise(seed: number): number {
  const x = Math.sin(seed * 12.9898) * 43758.5453;
  return 0.95 + 0.1 * (x - Math.floor(x));
}

/**
 * CSV of hourly history for `days` days ending one hour before `nowMs`, integrated backwards from the fake server's
 * starting counts so the live samples continue it smoothly.
 */
export function historyCsv(nowMs: number, days: number): string {
  const lines = ['platform,tag,metric,observed_at,value,precision,step,source,note,provenance'];
  const end = Math.floor(nowMs / HOUR) * HOUR - HOUR;
  for (const [tag, spec] of Object.entries(SEED_TAGS)) {
    for (const [metric, start, perHour] of [['views', spec.views0, spec.viewsPerHour], ['posts', spec.posts0, spec.postsPerHour]] as const) {
      let value = Number(start) - perHour * ((nowMs - end) / HOUR);
      for (let h = 0; h < days * 24; h++) {
        const t = end - h * HOUR;
        const rounded = metric === 'views' && spec.rounded;
        const v = rounded ? BigInt(Math.round(value / Number(spec.rounded))) * spec.rounded! : BigInt(Math.round(value));
        lines.push(['tiktok', tag, metric, new Date(t).toISOString(), v.toString(), rounded ? 'rounded' : 'exact', rounded ? spec.rounded!.toString() : '0', 'seed.history', '', 'seed-history.csv'].join(','));
        value -= perHour * spec.history(h + 0.5) * noise(h + tag.length * 1000 + metric.length);
      }
    }
  }
  // A press figure ("more than 600M") with hostile note and provenance: shown as a lower bound and as plain text.
  const press = new Date(end - 12 * 24 * HOUR - HOUR / 2).toISOString();
  lines.push(['tiktok', 'tiktoktherapy', 'views', press, '600000000', 'lower_bound', '0', 'press', `"${HOSTILE.obsNote.replace(/"/g, '""')}"`, `"${HOSTILE.provenance.replace(/"/g, '""')}"`].join(','));
  return lines.join('\n') + '\n';
}

/** Import the history with the real importer (through the owner API when a process owns the data dir). */
export async function importHistory(dataDir: string, nowMs: number, days = 14): Promise<{ exitCode: number; output: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'tagpulse-seed-'));
  const file = join(dir, 'seed-history.csv');
  writeFileSync(file, historyCsv(nowMs, days));
  const output: string[] = [];
  try {
    const exitCode = await runImport({ file, dataDir, logLevel: 'silent' }, { out: (l) => output.push(l), err: (l) => output.push(l), isTTY: false });
    return { exitCode, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The instant of the seeded conflict: an hourly history point of #mentalhealth views two days back. */
export const conflictAt = (nowMs: number) => new Date(Math.floor(nowMs / HOUR) * HOUR - HOUR - 48 * HOUR).toISOString();
/**
 * A collected display figure at that instant that the imported exact history contradicts (issue 10: both kept, shown as
 * a conflict; the exact import is preferred over a rounded figure, so the charts do not change).
 */
export const CONFLICT = { value: '1000000000', step: '100000000', provenance: 'http://127.0.0.1/tag/mentalhealth', source: 'tiktok.page.text' };

/** User events (one hostile), a hostile failure message, and a second source contradicting the history at one instant. */
export async function seedEventsAndFailures(store: Store, nowMs: number): Promise<void> {
  const t = conflictAt(nowMs);
  await store.insertObservations([
    { platform: 'tiktok', tag: 'mentalhealth', metric: 'views', observedAt: t, value: CONFLICT.value, exact: false, step: CONFLICT.step, precision: 'rounded', source: CONFLICT.source, method: 'http', collectorVersion: 'seed', slot: t, fetchedAt: t, provenance: CONFLICT.provenance, note: '', timePrecision: 'instant' },
  ]);
  await store.upsertEvents([
    { slug: 'campaign-launch', name: 'Campaign launch', startAt: new Date(nowMs - 26 * HOUR).toISOString(), endAt: new Date(nowMs - 20 * HOUR).toISOString(), tags: ['suicidepreventionmonth'], note: 'partner videos went live' },
    { slug: 'hostile-launch', name: HOSTILE.eventName, startAt: new Date(nowMs - 50 * HOUR).toISOString(), endAt: new Date(nowMs - 44 * HOUR).toISOString(), tags: ['mentalhealth'], note: HOSTILE.eventNote },
  ]);
  const at = new Date(nowMs - 2 * HOUR).toISOString();
  await store.insertFailures([
    { platform: 'tiktok', tag: 'mentalhealth', kind: 'blocked', statusCode: 403, platformCode: '', message: HOSTILE.failureMessage, method: 'http', source: '', slot: at, occurredAt: at, attempt: 1, collectorVersion: 'seed', url: 'http://127.0.0.1/tag/mentalhealth' },
  ]);
}
