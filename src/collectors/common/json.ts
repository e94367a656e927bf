/**
 * Defensive JSON reading for parsers of hostile input: parse without throwing, and walk own properties only (a
 * payload's "__proto__" or "constructor" key must never reach inherited members).
 */
export type JsonObject = Record<string, unknown>;

export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, error: e instanceof RangeError ? 'JSON is nested too deeply or too large' : `invalid JSON (${(e as Error).message.slice(0, 200)})` };
  }
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function field(o: unknown, key: string): unknown {
  return isObject(o) && Object.hasOwn(o, key) ? o[key] : undefined;
}

/** The value at a path of own keys (array indexes as numeric strings), or undefined. */
export function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else node = field(node, key);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Text of a YouTube/InnerTube-style text node: a string, `{simpleText}`, `{content}` or `{runs:[{text}]}`. */
export function textOf(node: unknown): string | null {
  if (typeof node === 'string') return node;
  const simple = field(node, 'simpleText') ?? field(node, 'content');
  if (typeof simple === 'string') return simple;
  const runs = field(node, 'runs');
  if (Array.isArray(runs)) {
    const parts = runs.map((r) => field(r, 'text')).filter((t): t is string => typeof t === 'string');
    return parts.length ? parts.join('') : null;
  }
  return null;
}
