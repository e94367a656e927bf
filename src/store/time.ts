/** ClickHouse DateTime64(3, 'UTC') text <-> ISO-8601. */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

export function toChTime(iso: string | number | Date): string {
  // Canonical ISO UTC text (what every Observation holds) maps character for character; no Date needed.
  if (typeof iso === 'string' && iso.length === 24 && CANONICAL.test(iso)) return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid time ${String(iso)}`);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export function fromChTime(s: string): string {
  // '2024-01-01 00:00:00.000' (UTC) -> '2024-01-01T00:00:00.000Z'
  if (/Z$|[+-]\d\d:?\d\d$/.test(s)) return new Date(s).toISOString();
  return new Date(s.replace(' ', 'T') + 'Z').toISOString();
}
