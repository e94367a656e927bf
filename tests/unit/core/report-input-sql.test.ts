/**
 * report_input's cadence (issue 15, figure 6b): the plain SQL (a server, and the embedded store before its cadence
 * dictionary is loaded — every one-shot `tagpulse report`) reads `tracked_tag`'s rows by the same FROM and WHERE,
 * flat, instead of as a subquery over tracked_tag's whole SELECT: one nesting level less for ClickHouse to plan in a
 * cold process. That it gives the same cadence as `trackedCadenceMs` (tracked_tag) after random writes, with the
 * dictionary and without it, is proven on chDB by tests/integration/analytics/report-input.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { reportInputQuery, trackedTagQuery } from '../../../src/store/queries.ts';
import { T } from '../../../src/store/migrations.ts';

describe('report_input reads the cadence flat from tracked_tag\'s FROM and WHERE', () => {
  it('one scalar subquery over the tracked table, with tracked_tag\'s own FROM … WHERE text', () => {
    const from = trackedTagQuery.sql.slice(trackedTagQuery.sql.indexOf(`FROM ${T.tracked} FINAL`));
    expect(from).toMatch(/^FROM tracked_tags_v1 FINAL\nWHERE platform = \{platform:String\} AND tag = \{tag:String\}$/);
    expect(reportInputQuery.sql).toContain(`(SELECT anyOrNull(every_ms) ${from}) AS cadence`);
    // two SELECTs: the flat read of the rows and the cadence (no nested one for the cadence, none to build columns)
    expect(reportInputQuery.sql.match(/\bSELECT\b/g)).toHaveLength(2);
  });
});
