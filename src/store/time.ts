/** ClickHouse DateTime64(3, 'UTC') text <-> ISO-8601. */
export function toChTime(iso: string | number | Date): string {
  const d = iso instanceof Date ? iso : new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`invalid time ${String(iso)}`);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export function fromChTime(s: string): string {
  // '2024-01-01 00:00:00.000' (UTC) -> '2024-01-01T00:00:00.000Z'
  if (/Z$|[+-]\d\d:?\d\d$/.test(s)) return new Date(s).toISOString();
  return new Date(s.replace(' ', 'T') + 'Z').toISOString();
}
