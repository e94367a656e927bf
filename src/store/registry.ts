/** Registry of named queries that the owner process may run on behalf of other processes (by name, never by SQL). */
import type { NamedQuery } from './query.ts';

const registry = new Map<string, NamedQuery>();

export function registerQueries(...qs: NamedQuery[]): void {
  for (const q of qs) {
    const existing = registry.get(q.name);
    if (existing && existing !== q) throw new Error(`two different queries are named ${q.name}`);
    registry.set(q.name, q);
  }
}

export function getQuery(name: string): NamedQuery | undefined {
  return registry.get(name);
}
