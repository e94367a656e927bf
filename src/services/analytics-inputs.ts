/**
 * Input schemas shared by the analytics CLI commands and API endpoints. They accept what a user types (strings
 * from flags or query parameters) and say what was wrong and what to write instead.
 */
import * as z from 'zod';
import { tryNormalizeTag } from '../schema/tag.ts';
import { Metric, Platform } from '../schema/observation.ts';
import { TagpulseError } from '../errors.ts';
import { parseDuration } from '../util/duration.ts';

/** "a,b,#C" or ["a", "b,c"] → normalised, de-duplicated tags (order kept). */
export const TagList = z.union([z.string(), z.array(z.string())]).transform((v, ctx) => {
  const parts = (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const out: string[] = [];
  for (const p of parts) {
    const r = tryNormalizeTag(p);
    if (!r.ok) {
      ctx.addIssue({ code: 'custom', message: r.error.message });
      return z.NEVER;
    }
    if (!out.includes(r.tag)) out.push(r.tag);
  }
  return out;
});

/** A point in time: the one strict time parser (src/util/time.ts), normalised to ISO UTC. */
export { TimeInput } from '../util/time.ts';


/** "15m", "1h", "24h", "7d" → milliseconds, within [minMs, maxMs]. */
export const durationInput = (minMs: number, maxMs: number, example: string) =>
  z
    .string()
    .trim()
    .transform((s, ctx) => {
      const ms = parseDuration(s, ['m', 'h', 'd']) ?? NaN;
      if (!(ms >= minMs && ms <= maxMs)) {
        ctx.addIssue({ code: 'custom', message: `${JSON.stringify(s)} is not a duration between ${formatDuration(minMs)} and ${formatDuration(maxMs)}: use a number and m, h or d, e.g. ${example}` });
        return z.NEVER;
      }
      return ms;
    });

/** 24h stays "24h" (as people write it); whole multiples of a day beyond it are days ("7d"). */
export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 86_400_000) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  return `${Math.round(ms / 60_000)}m`;
}

export const PlatformInput = Platform.default('tiktok');
export const MetricInput = Metric.default('views');

/** Boolean flags from query strings ("1", "true", "yes") or JSON. */
export const FlagInput = z.union([z.boolean(), z.enum(['1', '0', 'true', 'false', 'yes', 'no', ''])]).transform((v) => v === true || v === '1' || v === 'true' || v === 'yes');

/** An input mistake: shown as-is by the CLI (exit 2) and the API (400). */
export class AnalyticsInputError extends TagpulseError {
  override readonly code = 'ANALYTICS_INPUT';
  override readonly retryable = false;
  constructor(message: string) {
    super(message);
  }
}

/** Parse with a schema; an invalid input becomes one AnalyticsInputError naming every bad field. */
export function parseAnalyticsInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  throw new AnalyticsInputError(r.error.issues.map((i) => `${i.path.map(String).join('.') || 'input'}: ${i.message}`).join('; '));
}
