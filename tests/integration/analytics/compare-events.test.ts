/**
 * Compare, leaderboard, events and event reports through the CLI (over the owner's API, as with a running
 * `tagpulse run`) and the HTTP API, on two years of synthetic hourly series around World Suicide Prevention Day.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { runCompare } from '../../../src/cli/commands/compare.ts';
import { runLeaderboard } from '../../../src/cli/commands/leaderboard.ts';
import { runEventAdd, runEventList, runEventRemove } from '../../../src/cli/commands/event.ts';
import { runReport } from '../../../src/cli/commands/report.ts';
import type { Comparison } from '../../../src/services/compare.ts';
import type { EventReport } from '../../../src/services/report.ts';
import type { Leaderboard } from '../../../src/services/leaderboard.ts';
import type { EventInfo } from '../../../src/services/events.ts';
import { testConfig } from '../../helpers/config.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { ADMIN_TOKEN, captureIo, startOwnerServer } from './server.ts';
import { DAY, HOUR, hourlySeries, insertAll } from './series.ts';

const ms = (s: string) => Date.parse(s);
/** alpha: 1000/h, 3× (2023) or 6× (2024) on World Suicide Prevention Day, 2000/h in the two weeks after. */
function alphaRate(t: number): number {
  const y = new Date(t).getUTCFullYear();
  const day = ms(`${y}-09-10T00:00:00Z`);
  if (t >= day && t < day + DAY) return y === 2023 ? 3000 : 6000;
  if (t >= day + DAY && t < day + 15 * DAY) return 2000;
  return 1000;
}
const ALPHA_START = 5_000_000n;

describe('compare, leaderboard, events (chDB, CLI through the owner API, HTTP API)', () => {
  let dir: { dir: string; cleanup: () => void };
  let store: ClickHouseStore;
  let server: Awaited<ReturnType<typeof startOwnerServer>>;
  const g = { dataDir: '', logLevel: 'silent' };
  const alphaAt = new Map<number, bigint>();

  beforeAll(async () => {
    dir = tempDir();
    g.dataDir = dir.dir;
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
    const rows = [];
    for (const y of [2023, 2024]) {
      const from = ms(`${y}-08-01T00:00:00Z`);
      const to = ms(`${y}-10-31T23:00:00Z`);
      const alpha = hourlySeries('alpha', { fromMs: from, toMs: to, rate: alphaRate, start: ALPHA_START * BigInt(y - 2022) });
      for (const o of alpha) alphaAt.set(ms(o.observedAt), BigInt(o.value));
      rows.push(...alpha, ...hourlySeries('beta', { fromMs: from, toMs: to, rate: () => 500, start: 1_000_000n * BigInt(y - 2022) }));
    }
    await insertAll(store, rows);
    server = await startOwnerServer(store, testConfig({ dataDir: dir.dir, adminToken: ADMIN_TOKEN }));
  });

  afterAll(async () => {
    await server?.close();
    await store?.close();
    dir?.cleanup();
  });

  describe('compare', () => {
    const at = ms('2024-09-10T00:00:00Z');

    it('indexes every tag to 100 at a date (CLI JSON)', async () => {
      const c = captureIo();
      await runCompare({ ...g, tags: ['alpha', '#Beta'], indexAt: '2024-09-10', from: '2024-09-09T00:00:00Z', to: '2024-09-11T00:00:00Z', step: '6h', json: true }, c.io);
      const r = JSON.parse(c.out.join('\n')) as Comparison;
      expect(r).toMatchObject({ scale: 'indexed', step: '6h', keys: ['alpha', 'beta'], indexAt: '2024-09-10T00:00:00.000Z' });
      expect(r.rows.map((x) => x.t)).toEqual(['2024-09-09T00:00:00.000Z', '2024-09-09T06:00:00.000Z', '2024-09-09T12:00:00.000Z', '2024-09-09T18:00:00.000Z', '2024-09-10T00:00:00.000Z', '2024-09-10T06:00:00.000Z', '2024-09-10T12:00:00.000Z', '2024-09-10T18:00:00.000Z', '2024-09-11T00:00:00.000Z']);
      const base = Number(alphaAt.get(at)!);
      expect(r.rows[4]!.values).toEqual({ alpha: 100, beta: 100 });
      expect(r.rows[5]!.values.alpha).toBeCloseTo((100 * Number(alphaAt.get(at + 6 * HOUR)!)) / base, 9);
      expect(r.rows[0]!.values.alpha).toBeCloseTo((100 * (base - 24_000)) / base, 9);
      expect(r.notes).toEqual([]);
    });

    it('shows absolute counts as a table on a terminal', async () => {
      const c = captureIo();
      await runCompare({ ...g, tags: ['alpha', 'beta'], from: '2024-09-10T00:00:00Z', to: '2024-09-10T02:00:00Z' }, c.io);
      expect(c.out[0]).toBe('#alpha vs #beta · tiktok · views · linear · every 1h');
      expect(c.out[1]).toMatch(/^time \(UTC\)\s+#alpha\s+#beta$/);
      const v = alphaAt.get(at)!.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
      expect(c.out[2]).toMatch(new RegExp(`^2024-09-10 00:00\\s+${v}\\s+`));
      expect(c.out.length).toBe(6); // title, header, 3 rows, method
    });

    it('API: log scale, and 400s that say what to fix', async () => {
      const res = await server.get('/api/compare?tags=alpha,beta&scale=log&from=2024-09-10T00:00:00Z&to=2024-09-10T00:00:00Z');
      const r = (await res.json()) as Comparison;
      expect(r.rows[0]!.values.alpha).toBeCloseTo(Math.log10(Number(alphaAt.get(at)!)), 12);
      const bad = async (q: string) => ((await (await server.get(`/api/compare?${q}`)).json()) as { error: { message: string } }).error.message;
      expect(await bad('tags=alpha&scale=cubic')).toMatch(/^scale: /);
      expect(await bad('tags=alpha&scale=log&indexAt=2024-09-10')).toMatch(/indexAt: only applies to the indexed scale/);
      expect(await bad('tags=al-pha')).toMatch(/^tags: invalid tag "al-pha"/);
      expect(await bad('tags=alpha&step=1h&from=2020-01-01&to=2024-01-01')).toMatch(/^step: 1h over this range gives more than 20000 rows/);
    });
  });

  describe('leaderboard', () => {
    it('CLI and API rank from the rollups', async () => {
      const c = captureIo();
      await runLeaderboard({ ...g, at: '2024-09-11T00:00:00Z', json: true }, c.io);
      const lb = JSON.parse(c.out.join('\n')) as Leaderboard;
      expect(lb.entries.map((e) => [e.tag, e.velocityPerHour, e.growthPct])).toEqual([
        ['alpha', 6000, 500],
        ['beta', 500, 0],
      ]);
      const api = (await (await server.get('/api/leaderboard?by=growth&window=24h&at=2024-09-11T00:00:00Z&limit=1')).json()) as Leaderboard;
      expect(api.entries.map((e) => e.tag)).toEqual(['alpha']);
      const bad = (await (await server.get('/api/leaderboard?by=loudest')).json()) as { error: { message: string } };
      expect(bad.error.message).toMatch(/^by: /);
      const text = captureIo();
      await runLeaderboard({ ...g, at: '2024-09-11T00:00:00Z', by: 'breakout' }, text.io);
      expect(text.out[0]).toBe('top tiktok views by breakout over 24h · as of 2024-09-11T00:00:00.000Z');
      expect(text.out[2]).toMatch(/^\s*1\s+#alpha\s+6\.0K\s+\+500\.0%\s+[\d.]+\s+YES\s+/);
    });
  });

  describe('events', () => {
    it('CLI: add, list, remove a user event; built-ins listed by year', async () => {
      const add = captureIo();
      await runEventAdd({ ...g, name: 'Spring Campaign 2024', start: '2024-09-12', end: '2024-09-15', tags: 'alpha,#Beta', note: 'launch' }, add.io);
      expect(add.out[0]).toMatch(/^added spring-campaign-2024\s+2024-09-12 → 2024-09-15  Spring Campaign 2024  \[#alpha #beta\]  — launch$/);
      const list = captureIo();
      await runEventList({ ...g, year: '2024', json: true }, list.io);
      const events = (JSON.parse(list.out.join('\n')) as { events: EventInfo[] }).events;
      expect(events.map((e) => e.slug)).toEqual(['mental-health-awareness-month-us', 'suicide-prevention-awareness-month', 'world-suicide-prevention-day', 'spring-campaign-2024', 'world-mental-health-day']);
      expect(events.find((e) => e.slug === 'world-suicide-prevention-day')).toMatchObject({ kind: 'builtin', start: '2024-09-10T00:00:00.000Z', end: '2024-09-11T00:00:00.000Z' });

      const report = captureIo();
      await runReport({ ...g, tag: 'alpha', event: 'spring campaign 2024', json: true }, report.io);
      const r = JSON.parse(report.out.join('\n')) as EventReport;
      expect(r.event).toMatchObject({ slug: 'spring-campaign-2024', kind: 'user' });
      expect(r.impact.during!.velocityPerHour).toBe(2000);
      // before = 29 Aug–12 Sep: 12 days at 1000/h, the 6000/h day and a 2000/h day
      expect(r.impact.duringVsBeforePct).toBeCloseTo((2000 / ((12 * 24 * 1000 + 24 * 6000 + 24 * 2000) / (14 * 24)) - 1) * 100, 9);

      const rm = captureIo();
      await runEventRemove({ ...g, slug: 'spring-campaign-2024' }, rm.io);
      expect(rm.out[0]).toMatch(/^removed spring-campaign-2024/);
      await expect(runEventRemove({ ...g, slug: 'spring-campaign-2024' }, rm.io)).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND' });
      await expect(runEventAdd({ ...g, name: 'x', start: '2024-09-12', end: '2024-09-12' }, rm.io)).rejects.toThrow(/end: .* is not after start/);
      await expect(runEventAdd({ ...g, name: 'World Suicide Prevention Day', start: '2024-09-10' }, rm.io)).rejects.toThrow(/built-in event/);
    });

    it('report --event: before, during and after World Suicide Prevention Day, and year over year', async () => {
      const c = captureIo();
      await runReport({ ...g, tag: 'alpha', event: 'world-suicide-prevention-day', json: true }, c.io);
      const r = JSON.parse(c.out.join('\n')) as EventReport;
      expect(r.year).toBe(2024); // the latest occurrence the data cover
      expect(r.impact.before!.velocityPerHour).toBe(1000);
      expect(r.impact.during!.velocityPerHour).toBe(6000);
      expect(r.impact.after!.velocityPerHour).toBe(2000);
      expect(r.impact.duringVsBeforePct).toBeCloseTo(500, 9);
      expect(r.impact.afterVsBeforePct).toBeCloseTo(100, 9);
      expect(r.years.map((y) => [y.year, y.impact.during!.velocityPerHour, y.duringYoYPct])).toEqual([
        [2023, 3000, null],
        [2024, 6000, 100],
      ]);
      const text = captureIo();
      await runReport({ ...g, tag: 'alpha', event: 'World Suicide Prevention Day' }, text.io);
      expect(text.out[0]).toBe('#alpha · tiktok · views · World Suicide Prevention Day 2024 (2024-09-10 → 2024-09-11, built-in)');
      expect(text.out[2]).toMatch(/^ {2}during {2}2024-09-10 → 2024-09-11 {2}\+144,000\s+6\.0K\/h {2}\+500\.0% vs before$/);
      expect(text.out.some((l) => /^ {4}2024\s+6\.0K\/h .*\+100\.0% vs 2023$/.test(l))).toBe(true);
      await expect(runReport({ ...g, tag: 'alpha', event: 'no such day' }, text.io)).rejects.toMatchObject({ code: 'EVENT_NOT_FOUND' });
    });

    it('API: events need the admin token to change, and event reports take a year', async () => {
      const post = (body: unknown, token?: string) =>
        fetch(`${server.url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      expect((await post({ name: 'Launch', start: '2024-10-01' })).status).toBe(401);
      const created = await post({ name: 'Launch', start: '2024-10-01', tags: ['alpha'] }, ADMIN_TOKEN);
      expect(created.status).toBe(201);
      expect(((await created.json()) as { event: EventInfo }).event).toMatchObject({ slug: 'launch', end: '2024-10-02T00:00:00.000Z', tags: ['alpha'] });
      expect((await post({ name: 'Launch', start: '2024-10-02' }, ADMIN_TOKEN)).status).toBe(200);
      const bad = await post({ name: 'Launch', start: 'soon' }, ADMIN_TOKEN);
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^start: "soon" is not an ISO 8601/);
      const events = ((await (await server.get('/api/events?year=2023')).json()) as { events: EventInfo[] }).events;
      expect(events.find((e) => e.slug === 'launch')).toMatchObject({ start: '2024-10-02T00:00:00.000Z' });
      expect(events.find((e) => e.slug === 'world-mental-health-day')).toMatchObject({ start: '2023-10-10T00:00:00.000Z' });

      const rep = (await (await server.get('/api/tags/tiktok/alpha/event-report?event=world-suicide-prevention-day&year=2023')).json()) as EventReport;
      expect(rep.impact.during!.velocityPerHour).toBe(3000);
      expect(rep.impact.duringVsBeforePct).toBeCloseTo(200, 9);

      const del = (token?: string) => fetch(`${server.url}/api/events/launch`, { method: 'DELETE', ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
      expect((await del()).status).toBe(401);
      expect((await del(ADMIN_TOKEN)).status).toBe(200);
      expect((await del(ADMIN_TOKEN)).status).toBe(404);
    });
  });
});
