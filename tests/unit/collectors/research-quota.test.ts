import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileQuotaLedger, QuotaExhaustedError, QuotaLedgerError, msUntilUtcMidnight } from '../../../src/collectors/research/quota.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('Research API quota ledger', () => {
  const dirs: { cleanup: () => void }[] = [];
  const ledgerAt = (now: () => number, limits = { requestsPerDay: 3, recordsPerDay: 250 }) => {
    const d = tempDir();
    dirs.push(d);
    return { path: join(d.dir, 'sub', 'research-quota.json'), make: (n = now) => new FileQuotaLedger(join(d.dir, 'sub', 'research-quota.json'), limits, n) };
  };
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

  const at = (iso: string) => () => Date.parse(iso);

  it('counts requests and records, and refuses the request that would overspend', async () => {
    const { make } = ledgerAt(at('2024-09-10T22:00:00Z'));
    const ledger = make();
    await ledger.reserveRequest(100);
    await ledger.addRecords(100);
    await ledger.reserveRequest(100);
    await ledger.addRecords(100);
    // 200 records spent: another page of up to 100 could reach 300 > 250.
    const e = await ledger.reserveRequest(100).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QuotaExhaustedError);
    expect((e as QuotaExhaustedError).retryAfterMs).toBe(2 * 3600_000); // until 00:00 UTC
    expect(await ledger.state()).toEqual({ day: '2024-09-10', requests: 2, records: 200 });
  });

  it('survives a restart: a new ledger on the same file cannot spend the quota again', async () => {
    const { make, path } = ledgerAt(at('2024-09-10T08:00:00Z'));
    for (let i = 0; i < 3; i++) await make().reserveRequest(10);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ day: '2024-09-10', requests: 3, records: 0 });
    await expect(make().reserveRequest(10)).rejects.toThrow(/3 requests for 2024-09-10/);
  });

  it('resets at 00:00 UTC', async () => {
    let now = Date.parse('2024-09-10T23:59:59Z');
    const { make } = ledgerAt(() => now);
    const ledger = make();
    for (let i = 0; i < 3; i++) await ledger.reserveRequest(1);
    await expect(ledger.reserveRequest(1)).rejects.toBeInstanceOf(QuotaExhaustedError);
    now = Date.parse('2024-09-11T00:00:00Z');
    expect(await ledger.reserveRequest(1)).toEqual({ day: '2024-09-11', requests: 1, records: 0 });
  });

  it('markExhausted stops spending for the day (TikTok said so)', async () => {
    const { make } = ledgerAt(at('2024-09-10T12:00:00Z'));
    const ledger = make();
    await ledger.markExhausted();
    await expect(ledger.reserveRequest(1)).rejects.toBeInstanceOf(QuotaExhaustedError);
  });

  it('concurrent reservations never exceed the limit', async () => {
    const { make } = ledgerAt(at('2024-09-10T12:00:00Z'), { requestsPerDay: 5, recordsPerDay: 1_000_000 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => make().reserveRequest(1)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof QuotaExhaustedError)).toBe(true);
  });

  it('a corrupt ledger is refused rather than guessed', async () => {
    const { make, path } = ledgerAt(at('2024-09-10T12:00:00Z'));
    await make().state();
    writeFileSync(path, '{"day":"2024-09-10","requests":"lots"}');
    await expect(make().reserveRequest(1)).rejects.toBeInstanceOf(QuotaLedgerError);
    expect(existsSync(`${path}.lock`)).toBe(false);
  });

  it('msUntilUtcMidnight', () => {
    expect(msUntilUtcMidnight(Date.parse('2024-09-10T00:00:00Z'))).toBe(86_400_000);
    expect(msUntilUtcMidnight(Date.parse('2024-09-10T23:59:59.500Z'))).toBe(500);
  });
});
