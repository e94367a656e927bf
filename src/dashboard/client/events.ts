/// <reference lib="dom" />
/** Events (user campaigns and the built-in awareness calendar) from /api/events, as chart annotations. */
import type { EventInfo } from '../../services/events.ts';
import { getJson } from './api.ts';
import type { Annotation } from './chart.ts';

/** Events of every calendar year the range touches (at most the last five). */
export async function loadEvents(from: string | null, to: string | null): Promise<EventInfo[]> {
  const last = new Date(to ?? Date.now()).getUTCFullYear();
  const first = Math.max(new Date(from ?? Date.now()).getUTCFullYear(), last - 4);
  const years = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  const lists = await Promise.all(years.map((year) => getJson<{ events: EventInfo[] }>('/api/events', { year })));
  const seen = new Set<string>();
  return lists.flatMap((l) => l.events).filter((e) => {
    const k = `${e.slug}|${e.start}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Events that concern a tag: the ones naming it and the ones naming no tag at all (calendar days). */
export function eventAnnotations(events: EventInfo[], tag: string): Annotation[] {
  return events
    .filter((e) => !e.tags.length || e.tags.includes(tag))
    .map((e) => ({ t: Date.parse(e.start), t2: Date.parse(e.end), kind: 'event' as const, label: e.note ? `${e.name} — ${e.note}` : e.name }));
}
