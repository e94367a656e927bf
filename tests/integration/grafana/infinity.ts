/**
 * Runs a Grafana panel target of the Infinity datasource (yesoreyeram-infinity-datasource 3.x, backend parser) the way
 * Grafana and the plugin do, so tests can check what a panel shows without a Grafana:
 *  1. the frontend replaces template variables in the URL and the parameter values: ${name} → the raw value,
 *     ${name:percentencode} → URI-encoded, ${__from:date:iso} / ${__to:date:iso} → the range as ISO 8601;
 *  2. the plugin backend (pkg/infinity/request.go GetQueryURL) prefixes the datasource URL unless the query URL
 *     already starts with it, and adds every url_options param with url.Values (encoded);
 *  3. the JSON framer (infinity-libs jsonframer) applies the GJSON root selector, then each column's selector per row,
 *     typed as the column says.
 * Only the GJSON subset the tagpulse dashboard uses is implemented (a dotted path, optionally followed by one
 * `#(field!="x")#` / `#(field=="x")#` query); anything else throws rather than guess.
 */
export interface InfinityTarget {
  type: string;
  source: string;
  parser: string;
  format: string;
  url: string;
  url_options: { method: string; params?: { key: string; value: string }[] };
  root_selector: string;
  columns: { selector: string; text: string; type: 'string' | 'number' | 'timestamp' | 'boolean' }[];
}

export interface InfinityContext {
  /** The datasource's URL (provisioned `url`). */
  baseUrl: string;
  fromMs: number;
  toMs: number;
  vars: Record<string, string>;
}

export function interpolate(text: string, c: InfinityContext): string {
  return text.replace(/\$\{([A-Za-z_]\w*)(?::([\w:]+))?\}/g, (_m, name: string, format?: string) => {
    if (name === '__from' || name === '__to') {
      if (format !== 'date:iso') throw new Error(`\${${name}} needs :date:iso here, got :${format}`);
      return new Date(name === '__from' ? c.fromMs : c.toMs).toISOString();
    }
    const v = c.vars[name];
    if (v === undefined) throw new Error(`template variable ${name} has no test value`);
    if (!format) return v;
    if (format === 'percentencode') return encodeURIComponent(v);
    throw new Error(`variable format :${format} is not supported here`);
  });
}

/** The URL the plugin requests. */
export function infinityUrl(t: InfinityTarget, c: InfinityContext): string {
  if (t.source !== 'url' || t.type !== 'json' || t.parser !== 'backend' || t.url_options.method !== 'GET') throw new Error(`unsupported target ${t.type}/${t.source}/${t.parser}/${t.url_options.method}`);
  const path = interpolate(t.url, c);
  const u = new URL(path.startsWith(c.baseUrl) ? path : c.baseUrl + path);
  for (const p of t.url_options.params ?? []) u.searchParams.append(p.key, interpolate(p.value, c));
  return u.toString();
}

/** GJSON subset: a.b.c, or a.b.#(field!="x")# / #(field=="x")#. */
export function rootSelect(json: unknown, selector: string): unknown {
  const m = /^([\w.]+?)(?:\.#\((\w+)(!=|==)"([^"]*)"\)#)?$/.exec(selector);
  if (!m) throw new Error(`root selector ${selector} is outside the supported GJSON subset`);
  let v: unknown = json;
  for (const k of m[1]!.split('.')) v = v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[k];
  if (v === undefined) throw new Error(`root selector ${selector} selects nothing`);
  if (m[2] === undefined) return v;
  if (!Array.isArray(v)) throw new Error(`${m[1]} is not an array`);
  return v.filter((row: Record<string, unknown>) => (m[3] === '==') === (String(row[m[2]!]) === m[4]));
}

function typed(v: unknown, type: InfinityTarget['columns'][number]['type']): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'number':
      return typeof v === 'number' ? v : Number(v);
    case 'timestamp':
      return Date.parse(String(v));
    case 'boolean':
      return Boolean(v);
    case 'string':
      return String(v);
  }
}

/** The panel's rows: one record per array element, keyed by column text. */
export async function runInfinity(t: InfinityTarget, c: InfinityContext): Promise<{ url: string; status: number; rows: Record<string, unknown>[] }> {
  const url = infinityUrl(t, c);
  const res = await fetch(url);
  const body = (await res.json()) as unknown;
  if (!res.ok) return { url, status: res.status, rows: [] };
  const root = rootSelect(body, t.root_selector);
  const items = Array.isArray(root) ? root : [root];
  const rows = items.map((item: Record<string, unknown>) => Object.fromEntries(t.columns.map((col) => [col.text, typed(item[col.selector], col.type)])));
  return { url, status: res.status, rows };
}
