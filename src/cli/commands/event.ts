import type { Command } from 'commander';
import { configFrom, globalsOf, runAction, stdio, withStore, type GlobalOptions, type Io } from '../common.ts';
import { addEvent, listEvents, removeEvent, type EventInfo } from '../../services/events.ts';
import { AnalyticsInputError } from '../../services/analytics-inputs.ts';

export interface EventAddOptions extends GlobalOptions {
  name: string;
  start?: string;
  end?: string;
  tags?: string;
  note?: string;
  slug?: string;
  json?: boolean;
}

export interface EventListOptions extends GlobalOptions {
  year?: string;
  json?: boolean;
}

const day = (iso: string) => (iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso);

export function renderEvent(e: EventInfo): string {
  return `${e.slug.padEnd(36)} ${day(e.start)} → ${day(e.end)}  ${e.name}${e.kind === 'builtin' ? ' (built-in)' : ''}${e.tags.length ? `  [${e.tags.map((t) => '#' + t).join(' ')}]` : ''}${e.note ? `  — ${e.note}` : ''}`;
}

export async function runEventAdd(opts: EventAddOptions, io: Io = stdio): Promise<number> {
  if (!opts.start) throw new AnalyticsInputError('start: missing; give the first day, e.g. --start 2025-09-10 (and --end for longer events; the end is exclusive)');
  const cfg = configFrom(opts);
  const r = await withStore(cfg, 'event add', (store) =>
    addEvent(store, { name: opts.name, start: opts.start!, ...(opts.end ? { end: opts.end } : {}), ...(opts.tags ? { tags: opts.tags } : {}), ...(opts.note ? { note: opts.note } : {}), ...(opts.slug ? { slug: opts.slug } : {}) }),
  );
  if (opts.json) io.out(JSON.stringify(r, null, 2));
  else io.out(`${r.created ? 'added' : 'updated'} ${renderEvent(r.event)}`);
  return 0;
}

export async function runEventList(opts: EventListOptions, io: Io = stdio): Promise<number> {
  const year = opts.year === undefined ? undefined : Number(opts.year);
  if (year !== undefined && !(Number.isInteger(year) && year >= 1970 && year <= 2299)) throw new AnalyticsInputError(`year: ${JSON.stringify(opts.year)} is not a year, e.g. --year 2025`);
  const cfg = configFrom(opts);
  const events = await withStore(cfg, 'event list', (store) => listEvents(store, year === undefined ? {} : { year }));
  if (opts.json) io.out(JSON.stringify({ events }, null, 2));
  else for (const e of events) io.out(renderEvent(e));
  return 0;
}

export async function runEventRemove(opts: GlobalOptions & { slug: string }, io: Io = stdio): Promise<number> {
  const cfg = configFrom(opts);
  const removed = await withStore(cfg, 'event remove', (store) => removeEvent(store, opts.slug));
  io.out(`removed ${renderEvent(removed)}`);
  return 0;
}

export function configureEventCommand(program: Command): void {
  const event = program.command('event').description('events and campaign dates: the built-in awareness calendar plus your own events');
  event
    .command('add <name>')
    .description('add (or update) an event; dates are UTC days, the end is exclusive')
    .option('--start <date>', 'first day or time, e.g. 2025-09-10')
    .option('--end <date>', 'exclusive end (default: one day after the start)')
    .option('--tags <tags>', 'tags the event is about, comma-separated')
    .option('--note <text>', 'free text')
    .option('--slug <slug>', 'identifier (default: from the name)')
    .option('--json', 'machine-readable JSON')
    .action(async (name: string, _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runEventAdd({ ...(globalsOf(cmd) as EventAddOptions), name }));
    });
  event
    .command('list')
    .description('your events and the built-in calendar of a year')
    .option('--year <year>', 'year of the built-in calendar (default: this year)')
    .option('--json', 'machine-readable JSON')
    .action(async (_o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runEventList(globalsOf(cmd) as EventListOptions));
    });
  event
    .command('remove <slug>')
    .description('remove one of your events')
    .action(async (slug: string, _o, cmd: Command) => {
      process.exitCode = await runAction(stdio, () => runEventRemove({ ...globalsOf(cmd), slug }));
    });
}
