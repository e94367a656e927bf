/**
 * Alert rules, as written in tagpulse.config.json under "alerts" (or TAGPULSE_ALERTS as JSON). Rules contain no
 * secrets: the webhook URL (which may carry a token) is the separate secret setting alertWebhookUrl.
 *
 * {
 *   "alerts": {
 *     "rules": [
 *       { "name": "fast", "kind": "velocity", "threshold": 1000000, "window": "24h", "tags": ["mentalhealth"] },
 *       { "name": "spike", "kind": "zScore", "threshold": 3.5, "metric": "views" },
 *       { "name": "breakout", "kind": "breakout" },
 *       { "name": "regime", "kind": "changePoint", "platform": "tiktok" }
 *     ]
 *   }
 * }
 */
import * as z from 'zod';
import { TagInput } from './tag.ts';
import { Metric, Platform } from './observation.ts';

/** Windows of the analytics report (velocity and growth rules read the same numbers as `tagpulse report`). */
export const ALERT_WINDOWS = ['1h', '24h', '7d'] as const;
const Window = z.enum(ALERT_WINDOWS);

const filters = {
  /** Rule name: the dedup key of its deliveries, shown in payloads and logs. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'rule name must be 1-64 lowercase letters, digits, _ or - (e.g. "fast-growth")'),
  /** Only these tags (default: every tag). */
  tags: z.array(TagInput).min(1).optional(),
  /** Only this platform (default: every platform). */
  platform: Platform.optional(),
  /** Only this metric (default: every metric). */
  metric: Metric.optional(),
};

export const AlertRule = z.discriminatedUnion('kind', [
  /** Velocity over `window` ≥ threshold (counts per hour). */
  z.object({ ...filters, kind: z.literal('velocity'), threshold: z.number().positive(), window: Window.default('24h') }).strict(),
  /** Velocity growth vs the previous window of the same length ≥ threshold (percent). */
  z.object({ ...filters, kind: z.literal('growthPct'), threshold: z.number(), window: Window.default('24h') }).strict(),
  /** Robust z-score of the latest 24 h velocity vs the 14-day baseline ≥ threshold. */
  z.object({ ...filters, kind: z.literal('zScore'), threshold: z.number() }).strict(),
  /** The analytics breakout flag (BREAKOUT_DEFINITION) turned true. */
  z.object({ ...filters, kind: z.literal('breakout') }).strict(),
  /** A change point of the growth regime appeared after the last one known at the previous evaluation. */
  z.object({ ...filters, kind: z.literal('changePoint') }).strict(),
]);
export type AlertRule = z.infer<typeof AlertRule>;

export const DeliveryOptions = z
  .object({
    /** Attempts per evaluation (the first try included). */
    attempts: z.number().int().min(1).max(10).default(3),
    /** First retry delay; doubles per retry. */
    backoffMs: z.number().int().min(1).max(60_000).default(500),
    /** Timeout of one webhook request. */
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
    /** Attempts across evaluations before a delivery is given up (a failed delivery is retried at each evaluation). */
    maxAttempts: z.number().int().min(1).max(1000).default(12),
  })
  .strict();
export type DeliveryOptions = z.infer<typeof DeliveryOptions>;

const AlertsObject = z
  .object({
    rules: z.array(AlertRule).max(200).default([]),
    delivery: DeliveryOptions.default(() => DeliveryOptions.parse({})),
  })
  .strict()
  .superRefine((a, ctx) => {
    const seen = new Set<string>();
    for (const [i, r] of a.rules.entries()) {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `two rules are named ${JSON.stringify(r.name)}: rule names must be unique` });
      seen.add(r.name);
    }
  });

/** The parsed alerts setting. Shown by `tagpulse config` as a one-line summary. */
export class AlertSettings {
  constructor(
    readonly rules: readonly AlertRule[],
    readonly delivery: DeliveryOptions,
  ) {}

  toString(): string {
    return this.rules.length ? `${this.rules.length} rule(s): ${this.rules.map((r) => `${r.name} (${r.kind})`).join(', ')}` : 'no rules';
  }

  toJSON(): { rules: readonly AlertRule[]; delivery: DeliveryOptions } {
    return { rules: this.rules, delivery: this.delivery };
  }
}

/**
 * Accepts the object from the config file or a JSON string from the environment. Issues name their path
 * ("alerts.rules.0.threshold: …") because the config loader prints messages only.
 */
export const AlertsConfig = z.unknown().transform((v, ctx) => {
  let raw = v;
  if (typeof v === 'string') {
    try {
      raw = JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'alerts: not valid JSON (expected {"rules": [...]})' });
      return z.NEVER;
    }
  }
  const r = AlertsObject.safeParse(raw);
  if (!r.success) {
    for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: `${['alerts', ...i.path].join('.')}: ${i.message}` });
    return z.NEVER;
  }
  return new AlertSettings(r.data.rules, r.data.delivery);
});
