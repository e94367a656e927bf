export * from './tag.ts';
export * from './count.ts';
export * from './observation.ts';
export * from './failure.ts';
export * from './tracked.ts';
export * from './jobs.ts';
