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
 * The order of readings in a rollup bucket (argMin/argMax), as one Int128: observed_at in ms, then `rank` (a UInt8
 * expression: SOURCE_RANK_SQL, or 255 minus it for the first reading), then the value — the lexicographic order of the
 * tuple (observed_at, rank, value), packed as ms·2^72 + rank·2^64 + value. rank·2^64 + value < 2^72, so integer order
 * is the tuple's order; |ms| < 2^45 for every DateTime64(3) (years 1900–2299), so the product stays far inside Int128,
 * negative times included. A fixed-size key keeps the aggregate states small (migration 10); the property test
 * (tests/integration/store/rollup-order.test.ts) proves it picks what the tuple picks, ties included.
 */
export const READING_ORDER_SQL = (rank: string) =>
  `toInt128(toUnixTimestamp64Milli(observed_at)) * toInt128('4722366482869645213696') + toInt128(${rank}) * toInt128('18446744073709551616') + toInt128(value)`;
