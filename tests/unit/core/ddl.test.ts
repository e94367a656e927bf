import { describe, it, expect } from 'vitest';
import { renderAll, migrations } from '../../../src/store/migrations.ts';

describe('DDL per topology', () => {
  it('embedded/single use plain MergeTree engines without ON CLUSTER', () => {
    const sql = renderAll({ topology: 'embedded', cluster: '{cluster}' }).join('\n');
    expect(sql).toContain('ENGINE = ReplacingMergeTree(ingested_at)');
    expect(sql).not.toMatch(/ON CLUSTER|Replicated|Distributed/);
    // the same DDL, except the embedded store's cadence dictionary (migration 33, issue 15)
    const embeddedOnly = migrations.find((m) => m.version === 33)!.statements({ topology: 'embedded', cluster: '{cluster}' });
    expect(renderAll({ topology: 'single', cluster: '{cluster}' })).toEqual(renderAll({ topology: 'embedded', cluster: '{cluster}' }).filter((x) => !embeddedOnly.includes(x)));
  });

  it('migration 33 creates the tracked cadence dictionary on the embedded store only (a server keeps the subquery)', () => {
    const m = migrations.find((x) => x.version === 33)!;
    const [ddl, ...more] = m.statements({ topology: 'embedded', cluster: '{cluster}' });
    expect(more).toEqual([]);
    expect(ddl).toMatch(/^--[^\n]*\nCREATE DICTIONARY IF NOT EXISTS tracked_cadence_v1 \(platform String, tag String, every_ms UInt64\)/);
    expect(ddl).toContain("SOURCE(CLICKHOUSE(QUERY 'SELECT platform, tag, every_ms FROM tracked_tags_v1 FINAL'))");
    expect(ddl).toContain('LIFETIME(0)');
    expect(m.statements({ topology: 'single', cluster: '{cluster}' })).toEqual([]);
    expect(m.statements({ topology: 'cluster', cluster: 'tp' })).toEqual([]);
  });

  it('cluster uses Replicated engines with macros, ON CLUSTER and Distributed sharded by tag', () => {
    const sql = renderAll({ topology: 'cluster', cluster: '{cluster}' }).join('\n');
    expect(sql).toContain("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/observations_v1_local', '{replica}', ingested_at)");
    expect(sql).toContain("CREATE TABLE IF NOT EXISTS `observations_v1` ON CLUSTER '{cluster}' AS `observations_v1_local`");
    expect(sql).toContain('cityHash64(platform, tag)');
    expect(sql).toMatch(/MATERIALIZED VIEW IF NOT EXISTS `observations_hourly_mv_v1_local` ON CLUSTER '\{cluster\}' TO `observations_hourly_v1_local`/);
  });

  it('migration 20 adds raw_ref to the failures table idempotently, on the local tables ON CLUSTER and on the Distributed front (issue 13)', () => {
    const m = migrations.find((x) => x.version === 20)!;
    expect(m.statements({ topology: 'embedded', cluster: '{cluster}' }).join('\n')).toMatch(/ALTER TABLE `collection_failures_v1` ADD COLUMN IF NOT EXISTS `raw_ref` String DEFAULT '' CODEC\(ZSTD\(1\)\)/);
    const cluster = m.statements({ topology: 'cluster', cluster: '{cluster}' }).join('\n');
    expect(cluster).toContain("ALTER TABLE `collection_failures_v1_local` ON CLUSTER '{cluster}' ADD COLUMN IF NOT EXISTS `raw_ref`");
    expect(cluster).toContain("ALTER TABLE `collection_failures_v1` ON CLUSTER '{cluster}' ADD COLUMN IF NOT EXISTS `raw_ref` String DEFAULT ''");
    expect(cluster).not.toMatch(/`collection_failures_v1` ON CLUSTER[^\n]*CODEC/);
  });

  it('qualifies tables named inside cluster statements with the database (ON CLUSTER does not)', () => {
    const sql = renderAll({ topology: 'cluster', cluster: 'tp', database: 'tagpulse' }).join('\n');
    expect(sql).toContain('AS `tagpulse`.`observations_v1_local`');
    expect(sql).toContain('TO `tagpulse`.`observations_hourly_v1_local`');
    expect(sql).toContain('FROM `tagpulse`.`observations_v1_local`');
    expect(sql).toContain("Distributed(`tp`, 'tagpulse', `observations_v1_local`, cityHash64(platform, tag))");
  });

  it('every statement is idempotent and explains itself', () => {
    for (const m of migrations) {
      for (const s of [...m.statements({ topology: 'cluster', cluster: 'tp' }), ...m.statements({ topology: 'embedded', cluster: '{cluster}' })]) {
        // CREATE … IF NOT EXISTS, ALTER … ADD COLUMN IF NOT EXISTS, or (migration 10: the v2 rollups) DROP … IF EXISTS
        expect(s).toMatch(/IF NOT EXISTS|\nDROP (VIEW|TABLE) IF EXISTS /);
        expect(s.startsWith('--')).toBe(true);
      }
    }
    // Strictly increasing; numbers may skip (ranges are reserved per piece of work, e.g. 8–12 for time and identity).
    const versions = migrations.map((m) => m.version);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });
});
