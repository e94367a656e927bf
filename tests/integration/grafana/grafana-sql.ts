/**
 * Turns a Grafana panel or variable query into the SQL that reaches ClickHouse, in the same two steps as Grafana with
 * grafana-clickhouse-datasource v4:
 *  1. the frontend replaces template variables: ${name:sqlstring} → 'value' with ' doubled; ${name} and $name → the
 *     raw value (the plugin does not quote single values);
 *  2. the plugin backend expands its macros (pkg/macros/macros.go): $__timeFilter(c) → c >= toDateTime(from) AND
 *     c <= toDateTime(to), $__timeInterval(c) → toStartOfInterval(toDateTime(c), INTERVAL n second), $__fromTime /
 *     $__toTime → toDateTime(s), the _ms variants with fromUnixTimestamp64Milli, $__dateFilter(c), $__interval_s.
 * Anything still starting with $ afterwards is a macro this file does not know: it throws rather than guess.
 */
export interface GrafanaContext {
  fromMs: number;
  toMs: number;
  intervalMs: number;
  vars: Record<string, string>;
}

const sec = (ms: number) => Math.floor(ms / 1000);
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function interpolateVariables(sql: string, vars: Record<string, string>): string {
  const value = (name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`template variable ${name} has no test value`);
    return v;
  };
  return sql
    .replace(/\$\{(\w+)(?::(\w+))?\}/g, (_m, name: string, format?: string) => {
      if (!format) return value(name);
      if (format === 'sqlstring') return `'${value(name).replace(/'/g, "''")}'`;
      throw new Error(`variable format :${format} is not supported here`);
    })
    .replace(/\$([A-Za-z]\w*)/g, (_m, name: string) => value(name));
}

function macro(name: string, args: string[], c: GrafanaContext): string {
  const one = () => {
    if (args.length !== 1 || !args[0]) throw new Error(`$__${name} takes one column, got (${args.join(', ')})`);
    return args[0];
  };
  const intervalS = Math.max(1, sec(c.intervalMs));
  switch (name) {
    case 'fromTime':
      return `toDateTime(${sec(c.fromMs)})`;
    case 'toTime':
      return `toDateTime(${sec(c.toMs)})`;
    case 'fromTime_ms':
      return `fromUnixTimestamp64Milli(${c.fromMs})`;
    case 'toTime_ms':
      return `fromUnixTimestamp64Milli(${c.toMs})`;
    case 'timeFilter':
      return `${one()} >= toDateTime(${sec(c.fromMs)}) AND ${one()} <= toDateTime(${sec(c.toMs)})`;
    case 'timeFilter_ms':
      return `${one()} >= fromUnixTimestamp64Milli(${c.fromMs}) AND ${one()} <= fromUnixTimestamp64Milli(${c.toMs})`;
    case 'dateFilter':
      return `${one()} >= toDate('${day(c.fromMs)}') AND ${one()} <= toDate('${day(c.toMs)}')`;
    case 'timeInterval':
      return `toStartOfInterval(toDateTime(${one()}), INTERVAL ${intervalS} second)`;
    case 'timeInterval_ms':
      return `toStartOfInterval(toDateTime64(${one()}, 3), INTERVAL ${Math.max(1, c.intervalMs)} millisecond)`;
    case 'interval_s':
      return String(intervalS);
    default:
      throw new Error(`unknown macro $__${name}`);
  }
}

export function expandMacros(sql: string, c: GrafanaContext): string {
  const out = sql.replace(/\$__(\w+)(?:\(([^()]*)\))?/g, (_m, name: string, args?: string) => macro(name, args === undefined ? [] : args.split(',').map((a) => a.trim()), c));
  const left = /\$\S*/.exec(out);
  if (left) throw new Error(`unexpanded ${left[0]} in:\n${out}`);
  return out;
}

/** Variables first (frontend), then macros (plugin backend). Variable names never start with _, so $__x is left alone. */
export function grafanaSql(sql: string, c: GrafanaContext): string {
  return expandMacros(interpolateVariables(sql, c.vars), c);
}
