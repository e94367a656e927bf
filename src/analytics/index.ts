/**
 * tagpulse analytics: pure functions that turn sampled cumulative counters into growth metrics.
 * See docs/analytics.md for the methods, parameters and references.
 */
export type * from './types.ts';
export * from './math.ts';
export * from './clean.ts';
export * from './velocity.ts';
export * from './growth.ts';
export * from './changepoints.ts';
export * from './lifecycle.ts';
export * from './report.ts';
export * from './compare.ts';
export * from './events.ts';
export * from './metrics.ts';
