/**
 * zod codecs for ClickHouse columns and parameters, shared by every named query: UInt64 stays a decimal string,
 * DateTime64(3, 'UTC') text becomes ISO-8601, and ISO parameters become DateTime64 text.
 */
import * as z from 'zod';
import { fromChTime, toChTime } from './time.ts';
import { parseTime, TIME_EXAMPLES } from '../util/time.ts';

/** A time parameter: checked by the one strict time parser (src/util/time.ts). */
export const isoInput = z.string().refine((s) => parseTime(s).ok, `expected a time: ${TIME_EXAMPLES}`);
/** ISO in, ClickHouse DateTime64(3) text out. */
export const chTimeParam = isoInput.transform((s) => toChTime(s));
/** A time parameter with a default (zod applies defaults after transforms, so the default goes in first). */
export const chTimeParamOr = (def: string) => isoInput.default(def).transform((s) => toChTime(s));
/** ClickHouse DateTime64 text out of a query → ISO-8601. */
export const chTime = z.string().transform(fromChTime);
/** UInt64 (quoted by output_format_json_quote_64bit_integers) → exact decimal string. */
export const u64 = z.union([z.string(), z.number()]).transform((v) => String(v));
export const boolish = z.union([z.boolean(), z.number(), z.string()]).transform((v) => v === true || v === 1 || v === '1' || v === 'true');

/** Every stored column of an observation except its key (platform, tag, metric). */
export const ObservationRow = z.object({
  observed_at: chTime,
  value: u64,
  exact: boolish,
  step: u64,
  precision: z.enum(['exact', 'rounded', 'lower_bound']),
  source: z.string(),
  method: z.string(),
  collector_version: z.string(),
  slot: chTime,
  fetched_at: chTime,
  provenance: z.string(),
  note: z.string(),
  time_precision: z.string(),
});
export type ObservationRow = z.output<typeof ObservationRow>;

/** Hourly bins as arrays, one per field (analytics/metrics.ts `HourBinColumns`, read by `binsFromColumns`): every bins query returns these. */
export const hourBinColumns = {
  starts: z.array(z.coerce.number()),
  first_times: z.array(z.coerce.number()),
  first_values: z.array(z.string()),
  first_steps: z.array(z.string()),
  last_times: z.array(z.coerce.number()),
  last_values: z.array(z.string()),
  last_steps: z.array(z.string()),
};
