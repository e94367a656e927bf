/**
 * The identity and source preference of an observation in SQL: DEFAULT expressions of observations_v2 and the rank the
 * rollups break ties with. The TypeScript twins are in src/schema/identity.ts (why, and what each part means);
 * tests/unit/core/identity.test.ts evaluates both on every combination and proves them equal.
 */
import { LIVE_METHODS } from '../schema/identity.ts';

export const LIVE_METHODS_SQL = `(${LIVE_METHODS.map((m) => `'${m}'`).join(', ')})`;

/** Where a row came from: collect | wayback | import | manual. */
export const ORIGIN_SQL = `if(method IN ${LIVE_METHODS_SQL}, 'collect', toString(method))`;

/** The instant that identifies a row: the slot of a live sample, observed_at otherwise. */
export const KEY_AT_SQL = `if(method IN ${LIVE_METHODS_SQL} AND time_precision = 'instant', slot, observed_at)`;

/** Source preference for one instant, higher wins (sourceRank). */
export const SOURCE_RANK_SQL = `toUInt8(multiIf(precision = 'exact', if(method IN ('import', 'manual'), 3, 4), precision = 'rounded', if(method IN ('import', 'manual'), 1, 2), 0))`;

/**
 * The last tie-break of the choice per instant (services/readings.ts `compareReadings`: the greatest origin key
 * `method` or `import:<provenance>`, a NUL, then `source`) as a value ClickHouse orders the way JavaScript orders the
 * key's text. JavaScript compares UTF-16 code units and ClickHouse compares UTF-8 bytes; the two orders differ only
 * where characters U+E000–U+FFFF (lead bytes 0xEE, 0xEF) meet characters above U+FFFF (lead bytes 0xF0–0xF4, surrogate
 * pairs in UTF-16, which sort below U+E000). Those lead bytes never occur as continuation bytes, so mapping them — 0xF0–0xF4
 * to 0xEE–0xF2 and 0xEE, 0xEF to 0xF3, 0xF4 — makes the byte order of the mapped key the UTF-16 order of the text.
 * tests/integration/analytics/compare-chosen.test.ts checks it on such keys.
 */
export const ORIGIN_KEY_ORDER_SQL = `arrayMap(b -> multiIf(b >= 240, b - 2, b >= 238, b + 5, b), arrayMap(c -> reinterpretAsUInt8(c), splitByString('', concat(if(method = 'import', concat('import:', provenance), toString(method)), char(0), source))))`;
