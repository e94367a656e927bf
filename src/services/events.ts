/**
 * Events and campaign timing: the built-in awareness calendar (analytics builtinEvents) plus user events stored in
 * events_v1 (latest write per slug wins; removal is a tombstone). Events are half-open UTC intervals [start, end).
 */
import * as z from 'zod';
import type { EventRow, Store } from '../store/store.ts';
import { eventsQuery } from '../store/queries.ts';
import { BUILTIN_EVENT_SLUGS, builtinEvent, builtinEvents, type BuiltinEventSlug } from '../analytics/events.ts';
import type { CalendarEvent } from '../analytics/types.ts';
import { AnalyticsInputError, TagList, TimeInput, parseAnalyticsInput } from './analytics-inputs.ts';
import { TagpulseError } from '../errors.ts';

const DAY_MS = 86_400_000;
const SLUG_RE = /^[a-z0-9][a-z0-9-]{0,79}$/;

export class EventNotFoundError extends TagpulseError {
  override readonly code = 'EVENT_NOT_FOUND';
  override readonly retryable = false;
  constructor(message: string) {
    super(message);
  }
}

export interface EventInfo extends CalendarEvent {
  kind: 'user' | 'builtin';
  tags: string[];
  note: string;
}

export const EventAddInput = z.object({
  name: z.string().trim().min(1, 'give the event a name').max(200),
  slug: z.string().regex(SLUG_RE, 'slug must be lowercase letters, digits and -, e.g. spring-campaign-2025').optional(),
  start: TimeInput,
  /** Exclusive end; default: one day after the start. */
  end: TimeInput.optional(),
  tags: TagList.optional(),
  note: z.string().max(2000).default(''),
});
export type EventAddInput = z.input<typeof EventAddInput>;

/** "Spring Campaign 2025!" → "spring-campaign-2025". */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
}

const isBuiltinSlug = (s: string): s is BuiltinEventSlug => (BUILTIN_EVENT_SLUGS as readonly string[]).includes(s);

async function userEvents(store: Store): Promise<EventInfo[]> {
  const rows = await store.run(eventsQuery, {});
  return rows.map((r) => ({ kind: 'user', slug: r.slug, name: r.name, start: r.start_at, end: r.end_at, tags: r.tags, note: r.note }));
}

export async function addEvent(store: Store, raw: EventAddInput): Promise<{ event: EventInfo; created: boolean }> {
  const input = parseAnalyticsInput(EventAddInput, raw);
  const slug = input.slug ?? slugify(input.name);
  if (!slug) throw new AnalyticsInputError(`name: ${JSON.stringify(input.name)} gives an empty slug; pass a slug (letters, digits and -)`);
  if (isBuiltinSlug(slug)) throw new AnalyticsInputError(`slug: ${slug} is a built-in event; choose another name or slug`);
  const end = input.end ?? new Date(Date.parse(input.start) + DAY_MS).toISOString();
  if (Date.parse(end) <= Date.parse(input.start)) throw new AnalyticsInputError(`end: ${end} is not after start ${input.start} (the end is exclusive: a one-day event on 2024-09-10 ends 2024-09-11)`);
  const existing = (await userEvents(store)).some((e) => e.slug === slug);
  const row: EventRow = { slug, name: input.name, startAt: input.start, endAt: end, tags: input.tags ?? [], note: input.note };
  await store.upsertEvents([row]);
  return { event: { kind: 'user', slug, name: row.name, start: row.startAt, end: row.endAt, tags: row.tags, note: row.note }, created: !existing };
}

export async function removeEvent(store: Store, slug: string): Promise<EventInfo> {
  if (isBuiltinSlug(slug)) throw new AnalyticsInputError(`${slug} is a built-in event and cannot be removed`);
  const events = await userEvents(store);
  const found = events.find((e) => e.slug === slug);
  if (!found) throw new EventNotFoundError(`no event ${JSON.stringify(slug)}${events.length ? `; events: ${events.map((e) => e.slug).join(', ')}` : ' (no user events yet: tagpulse event add)'}`);
  await store.upsertEvents([{ slug, name: found.name, startAt: found.start, endAt: found.end, tags: found.tags, note: found.note, deleted: true }]);
  return found;
}

/** User events plus the built-in calendar of `year` (default: the current UTC year), sorted by start. */
export async function listEvents(store: Store, opts: { year?: number } = {}): Promise<EventInfo[]> {
  const year = opts.year ?? new Date().getUTCFullYear();
  const builtin: EventInfo[] = builtinEvents(year).map((e) => ({ ...e, kind: 'builtin', tags: [], note: '' }));
  return [...(await userEvents(store)), ...builtin].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.slug < b.slug ? -1 : 1));
}

/** An event resolved for a report: the occurrence to analyse and how to place it in any other year. */
export interface ResolvedEvent {
  event: EventInfo;
  year: number;
  forYear: (year: number) => CalendarEvent;
}

/** The same calendar dates in another year (keeping the duration), for year-over-year comparisons of user events. */
export function shiftToYear(e: CalendarEvent, year: number): CalendarEvent {
  const s = new Date(e.start);
  const start = Date.UTC(year, s.getUTCMonth(), s.getUTCDate(), s.getUTCHours(), s.getUTCMinutes(), s.getUTCSeconds(), s.getUTCMilliseconds());
  return { ...e, start: new Date(start).toISOString(), end: new Date(start + (Date.parse(e.end) - Date.parse(e.start))).toISOString() };
}

/**
 * Find an event by slug or name (case-insensitive): user events first, then the built-in calendar. A built-in
 * event without a year is its latest occurrence that started at or before `referenceMs` (e.g. the last
 * observation), so "report --event world-suicide-prevention-day" looks at the most recent one the data can cover.
 */
export async function resolveEvent(store: Store, ref: string, opts: { year?: number; referenceMs: number }): Promise<ResolvedEvent> {
  const want = ref.trim().toLowerCase();
  const users = await userEvents(store);
  const byName = users.filter((e) => e.name.toLowerCase() === want);
  const user = users.find((e) => e.slug === want) ?? (byName.length === 1 ? byName[0] : undefined);
  if (!user && byName.length > 1) throw new AnalyticsInputError(`event: ${JSON.stringify(ref)} names ${byName.length} events (${byName.map((e) => e.slug).join(', ')}): use the slug`);
  if (user) {
    const baseYear = new Date(user.start).getUTCFullYear();
    const year = opts.year ?? baseYear;
    const at = year === baseYear ? user : { ...user, ...shiftToYear(user, year) };
    return { event: at, year, forYear: (y) => shiftToYear(user, y) };
  }
  const refYear = new Date(opts.referenceMs).getUTCFullYear();
  const slug = BUILTIN_EVENT_SLUGS.find((s) => s === want || builtinEvent(s, refYear).name.toLowerCase() === want);
  if (!slug) {
    const known = [...users.map((e) => e.slug), ...BUILTIN_EVENT_SLUGS];
    throw new EventNotFoundError(`no event ${JSON.stringify(ref)}: use a slug or name from tagpulse event list (${known.join(', ')})`);
  }
  const year = opts.year ?? (Date.parse(builtinEvent(slug, refYear).start) <= opts.referenceMs ? refYear : refYear - 1);
  return { event: { ...builtinEvent(slug, year), kind: 'builtin', tags: [], note: '' }, year, forYear: (y) => builtinEvent(slug, y) };
}
