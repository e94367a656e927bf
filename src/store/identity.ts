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
