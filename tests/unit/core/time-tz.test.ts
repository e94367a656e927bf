/**
 * Issue 10, finding 3: times without a zone are UTC on every machine. This file runs with the machine's zone set to
 * New York (set before any Date is read; Node applies a changed TZ at once), where `Date.parse` reads
 * "2024/01/07 00:00" and "Jan 5 2024" as 05:00Z. The strict parser refuses those forms and reads the documented
 * zone-less forms as UTC; the importer and the API inputs use that parser.
 */
process.env.TZ = 'America/New_York';
import { describe, it, expect } from 'vitest';
import { parseTime, TimeInput } from '../../../src/util/time.ts';
import { rowToObservation } from '../../../src/importers/series-import.ts';

const ctx = { file: 'x.csv', importedAt: '2026-01-01T00:00:00.000Z' };
const row = (observed_at: string) => ({ platform: 'tiktok', tag: 'tz', metric: 'views', observed_at, value: '123456789' });

describe('zone-less times under TZ=America/New_York', () => {
  it('the machine is really in New York for this file (else the test proves nothing)', () => {
    expect(new Date(2024, 0, 7).getTimezoneOffset()).toBe(300);
    expect(new Date('2024/01/07 00:00').toISOString()).toBe('2024-01-07T05:00:00.000Z');
  });

  it('reads the documented zone-less forms as UTC', () => {
    for (const s of ['2024-01-07 00:00:00', '2024-01-07T00:00', '2024-01-07T00:00:00', '2024-01-07']) {
      expect(parseTime(s)).toMatchObject({ ok: true, iso: '2024-01-07T00:00:00.000Z' });
      expect(TimeInput.parse(s)).toBe('2024-01-07T00:00:00.000Z');
    }
  });

  it('import: "2024/01/07 00:00" and "Jan 5 2024" are bad rows, not 05:00Z', () => {
    for (const s of ['2024/01/07 00:00', 'Jan 5 2024']) {
      const r = rowToObservation(row(s), ctx);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(new RegExp(`invalid observed_at ${JSON.stringify(s).replace(/[/]/g, '\\/')}.*not an ISO 8601 time: use 2024-09-10`));
    }
    const ok = rowToObservation(row('2024-01-07 00:00:00'), ctx);
    expect(ok.ok && ok.obs.observedAt).toBe('2024-01-07T00:00:00.000Z');
  });
});
