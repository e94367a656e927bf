/**
 * Unit tests of the runtime's fault handling (issue 12): bounded logging against a fake clock (finding 3), fault
 * kinds from codes (finding 4), capacity (finding 7), per-tag phases and gap detection (findings 5, 6), and the
 * holder.json redaction (finding 9).
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { LogThrottle } from '../../../src/util/log-throttle.ts';
import { faultKindOf, needsUserChange, errnoOf } from '../../../src/util/os-errors.ts';
import { computeCapacity } from '../../../src/services/capacity.ts';
import { phaseMs, plannedSlots, bucketPhaseMs, tagPhaseMs, planSchedulers } from '../../../src/workers/scheduler.ts';
import { detectGaps, catchUpSlot } from '../../../src/services/queue-gaps.ts';
import { redactUrl, writeHolder, holderFile } from '../../../src/store/owner.ts';
import { WorkerGuard } from '../../../src/queue/worker-guard.ts';
import { testConfig } from '../../helpers/config.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('LogThrottle (finding 3: bounded logging)', () => {
  it('logs a repeating error once, then one summary per period with the count — against a fake clock', () => {
    let now = 0;
    const lines: { fields: Record<string, unknown>; msg: string }[] = [];
    const t = new LogThrottle((_l, fields, msg) => lines.push({ fields, msg }), { summaryEveryMs: 10_000, now: () => now });
    // 77,215 occurrences over 16 s (the disk-full flood), plus a second distinct error.
    for (let i = 0; i < 77_215; i++) {
      now = Math.floor((i * 16_000) / 77_215);
      t.report('redis:MISCONF', 'MISCONF');
      if (i % 1000 === 0) t.report('redis:ECONNREFUSED', 'refused');
    }
    const misconf = lines.filter((l) => l.fields.errorKey === 'redis:MISCONF');
    expect(misconf).toHaveLength(2); // first occurrence + one summary at 10 s
    expect(misconf[1]!.fields.repeated).toBeGreaterThan(40_000);
    expect(lines.filter((l) => l.fields.errorKey === 'redis:ECONNREFUSED')).toHaveLength(2);
    // ≤ ~1 line/s per distinct error over the window
    expect(lines.length).toBeLessThanOrEqual(2 * 16);
    t.resolve('redis:MISCONF', 'back');
    expect(lines.at(-1)!.msg).toBe('back');
    expect(t.active().map((a) => a.key)).toEqual(['redis:ECONNREFUSED']);
  });
});

describe('fault kinds from codes, not words (finding 4)', () => {
  it('classifies errno codes, ClickHouse errno numbers and codes, and Redis reply codes', () => {
    const chPerm = new Error('Code: 76. DB::ErrnoException: Cannot open file /d/chdb/status: , errno: 13, strerror: Permission denied. (CANNOT_OPEN_FILE)');
    expect(faultKindOf(chPerm)).toBe('permission_denied');
    expect(faultKindOf(Object.assign(new Error('x'), { code: 'EROFS' }))).toBe('read_only_fs');
    expect(faultKindOf(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe('disk_full');
    expect(faultKindOf(new Error('Code: 243. DB::Exception: Cannot reserve 1.00 MiB, not enough space. (NOT_ENOUGH_SPACE)'))).toBe('disk_full');
    const misconf = Object.assign(new Error('MISCONF Errors writing to the AOF file: No space left on device'), { name: 'ReplyError' });
    expect(faultKindOf(misconf)).toBe('redis_misconf');
    expect(needsUserChange('redis_misconf')).toBe(true);
    // Words alone decide nothing: a message that mentions "status", "lock" or "Permission denied" without a code.
    expect(faultKindOf(new Error('Cannot lock file /x/status: Permission denied'))).toBe('other');
    expect(faultKindOf(new Error('MISCONF in a plain Error is not a Redis reply'))).toBe('other');
    expect(errnoOf({ message: 'outer', cause: Object.assign(new Error('inner'), { code: 'EACCES' }) })).toBe('EACCES');
  });
});

describe('WorkerGuard (finding 3: pause instead of spinning)', () => {
  it('pauses on MISCONF with a doubling backoff and resumes; other errors only log', async () => {
    const worker = Object.assign(new EventEmitter(), { name: 'collect-tiktok', paused: 0, resumed: 0, pause: async () => void worker.paused++, resume: () => void worker.resumed++ });
    const timers: { fn: () => void; ms: number }[] = [];
    const g = new WorkerGuard(worker as never, { where: '/data', now: () => 0, setTimer: (fn, ms) => timers.push({ fn, ms }) });
    const misconf = Object.assign(new Error('MISCONF Errors writing to the AOF file'), { name: 'ReplyError' });
    for (let i = 0; i < 1000; i++) worker.emit('error', misconf); // the old spin: one error per fetch attempt
    expect(worker.paused).toBe(1);
    expect(g.state.paused).toBe(true);
    expect(timers.map((t) => t.ms)).toEqual([1000]);
    timers[0]!.fn();
    expect(worker.resumed).toBe(1);
    worker.emit('error', misconf);
    expect(timers.map((t) => t.ms)).toEqual([1000, 2000]);
    worker.emit('error', new Error('something else'));
    expect(worker.paused).toBe(2);
  });
});

describe('capacity (finding 7)', () => {
  const tracked = (n: number, everyMs: number, platform = 'tiktok') => Array.from({ length: n }, (_, i) => ({ platform, everyMs, active: true, tag: `t${i}` }));
  it('2,000 hourly tags at 30/min need 67 minutes per round: the schedule cannot be met, and it says how late', () => {
    const [c] = computeCapacity(testConfig({ rateLimitMax: 30, rateLimitDurationMs: 60_000 }), tracked(2000, 3_600_000));
    expect(c!.ok).toBe(false);
    expect(c!.neededPerMin).toBeCloseTo(33.3, 1);
    expect(c!.limitPerMin).toBeCloseTo(30, 5);
    expect(Math.round(c!.roundMs / 60_000)).toBe(67);
    expect(Math.round(c!.lagPerHourMs / 60_000)).toBe(6);
    expect(c!.message).toMatch(/cannot be met.*67 min.*further behind every hour/);
  });
  it('twelve tags at 10-15 s against 30/min is flagged; within the limit is ok; platformLimits apply', () => {
    const cfg = testConfig({ rateLimitMax: 30, rateLimitDurationMs: 60_000 });
    const [bad] = computeCapacity(cfg, [...tracked(6, 10_000), ...tracked(6, 15_000)]);
    expect(bad!.ok).toBe(false);
    expect(bad!.utilization).toBeGreaterThan(1.5);
    expect(computeCapacity(cfg, tracked(10, 3_600_000))[0]!.ok).toBe(true);
    const [ig] = computeCapacity(cfg, tracked(20, 60_000, 'instagram')); // instagram=10/60s by default
    expect(ig!.limitPerMin).toBeCloseTo(10, 5);
    expect(ig!.ok).toBe(false);
  });
});

describe('per-tag phase and gaps (findings 5, 6, and the spread of one cadence)', () => {
  it('phases are deterministic, whole seconds, never 0, and spread 2,000 hourly tags across the hour', () => {
    const phases = Array.from({ length: 2000 }, (_, i) => phaseMs('tiktok', `tag${i}`, 3_600_000));
    expect(phases.every((p) => p >= 1000 && p < 3_600_000 && p % 1000 === 0)).toBe(true);
    expect(phaseMs('tiktok', 'tag7', 3_600_000)).toBe(phases[7]);
    const perMinute = new Map<number, number>();
    for (const p of phases) perMinute.set(Math.floor(p / 60_000), (perMinute.get(Math.floor(p / 60_000)) ?? 0) + 1);
    expect(perMinute.size).toBe(60);
    expect(Math.max(...perMinute.values())).toBeLessThan(70); // ~33 per minute, not 2,000 at :00
    const slots = plannedSlots('tiktok', 'a', 10_000, 0, 60_000);
    expect(slots).toHaveLength(6);
    expect(new Set(slots.map((s) => s % 10_000)).size).toBe(1);
  });

  it('grouped scheduling (issue 15): buckets spread 2,000 hourly tags across the hour, groups are bounded and stable', () => {
    const grouping = { maxTags: 16, phaseStepMs: 60_000 };
    const phases = Array.from({ length: 2000 }, (_, i) => bucketPhaseMs('tiktok', `tag${i}`, 3_600_000, grouping.phaseStepMs));
    expect(phases.every((p) => p >= 1000 && p < 3_600_000 && p % 60_000 === 1000)).toBe(true);
    const perBucket = new Map<number, number>();
    for (const p of phases) perBucket.set(p, (perBucket.get(p) ?? 0) + 1);
    expect(perBucket.size).toBe(60);
    expect(Math.max(...perBucket.values())).toBeLessThan(70); // ~33 per minute, not 2,000 at :00
    const tags = Array.from({ length: 2000 }, (_, i) => ({ platform: 'tiktok', tag: `tag${i}`, everyMs: 3_600_000 }));
    const plan = planSchedulers(tags, grouping);
    expect(plan.flatMap((p) => p.tags).sort()).toEqual(tags.map((t) => t.tag).sort());
    expect(Math.max(...plan.map((p) => p.tags.length))).toBeLessThanOrEqual(16);
    for (const p of plan) for (const t of p.tags) expect(p.offsetMs).toBe(tagPhaseMs('tiktok', t, 3_600_000, grouping));
    // Another tag tracked: no other tag's phase (slots) moves.
    const more = planSchedulers([...tags, { platform: 'tiktok', tag: 'newcomer', everyMs: 3_600_000 }], grouping);
    const phaseOf = (pl: typeof plan) => new Map(pl.flatMap((p) => p.tags.map((t) => [t, p.offsetMs] as const)));
    const before = phaseOf(plan);
    const after = phaseOf(more);
    for (const [t, ph] of before) expect(after.get(t)).toBe(ph);
    // Gap detection plans the same slots as the scheduler.
    const slots = plannedSlots('tiktok', 'tag7', 3_600_000, 0, 3 * 3_600_000, grouping);
    expect(slots.map((s) => s % 3_600_000)).toEqual([before.get('tag7'), before.get('tag7'), before.get('tag7')]);
    // maxTags 1: one scheduler per tag with its own phase, as before grouping.
    expect(planSchedulers(tags.slice(0, 3), { maxTags: 1, phaseStepMs: 60_000 }).map((p) => [p.id, p.offsetMs])).toEqual(tags.slice(0, 3).map((t) => [`sched-tiktok-${t.tag}`, phaseMs('tiktok', t.tag, 3_600_000)]));
  });

  it('tracked tags with planned slots after their last row and no job are gaps; the latest recent one is caught up', () => {
    const now = Date.parse('2031-01-01T12:00:00Z');
    const tracked = [
      { platform: 'tiktok', tag: 'a', everyMs: 10_000, addedAt: '2031-01-01T00:00:00.000Z', active: true },
      { platform: 'tiktok', tag: 'b', everyMs: 10_000, addedAt: '2031-01-01T00:00:00.000Z', active: true },
      { platform: 'tiktok', tag: 'c', everyMs: 3_600_000, addedAt: '2031-01-01T00:00:00.000Z', active: true },
    ];
    const lastAt = new Map([
      ['tiktok|a', new Date(now - 60_000).toISOString()],
      ['tiktok|b', new Date(now - 60_000).toISOString()],
      ['tiktok|c', new Date(now - 1_000).toISOString()],
    ]);
    const r = detectGaps({ tracked, lastAt, withJobs: new Set(['tiktok|b']), schedulersExisted: false, nowMs: now });
    expect(r.queueWasEmpty).toBe(true);
    expect(r.tags.map((g) => g.tag)).toEqual(['a']); // b has a job; c's next slot is not due yet
    expect(r.tags[0]!.missedSlots).toBe(6);
    expect(catchUpSlot(r.tags[0]!, now)).toBe(r.tags[0]!.lastMissed);
  });
});

describe('holder.json (finding 9)', () => {
  it('never stores a Redis password; the owner token stays', () => {
    const d = tempDir('tp-holder-');
    try {
      expect(redactUrl('redis://user:s3cr3t-pass@127.0.0.1:6390/0')).toBe('redis://user@127.0.0.1:6390/0');
      writeHolder(d.dir, { pid: process.pid, command: 'tagpulse run', startedAt: 'now', token: 'owner-token', redis: 'redis://:s3cr3t-pass@10.0.0.1:6379/2' });
      const text = readFileSync(holderFile(d.dir), 'utf8');
      expect(text).not.toContain('s3cr3t-pass');
      expect(JSON.parse(text)).toMatchObject({ token: 'owner-token', redis: 'redis://10.0.0.1:6379/2' });
    } finally {
      d.cleanup();
    }
  });
});
