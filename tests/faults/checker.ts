/**
 * A Jepsen-style checker for the sampling pipeline.
 *
 * The history records every operation the test performed or observed: a slot was enqueued (invoke), a collect job for
 * it completed (ok: the sample was acknowledged, i.e. handed to the load queue), or a fault was injected. After the
 * faults, `checkHistory` compares the history with what the store holds after FINAL:
 *  - lost: acknowledged but not stored (a safety violation: the system said yes and then forgot);
 *  - missing: enqueued but not stored (a liveness gap: the backlog did not drain);
 *  - phantom: stored under a slot nobody enqueued (a re-delivery stamped with a new time would show up here);
 *  - duplicate keys: more than one row per (tag, metric, slot) even after FINAL (the slot is a live sample's identity;
 *    its observed_at is the read time, see src/schema/identity.ts);
 *  - unserved values: a stored value the local server never sent (a number that was not read).
 * Raw duplicate rows (before FINAL) are reported, not failed: ReplacingMergeTree is the documented backstop for them.
 */
import { z } from 'zod';
import { defineQuery } from '../../src/store/query.ts';
import { T } from '../../src/store/migrations.ts';
import { fromChTime } from '../../src/store/time.ts';
import type { Store } from '../../src/store/store.ts';
import type { ServedRecord } from '../../src/demo/fake-tiktok.ts';

type EventType = 'invoke' | 'ok' | 'fault';

export interface HistoryEvent {
  atMs: number;
  type: EventType;
  /** `tag@slot` for invoke/ok; a description for faults. */
  what: string;
}

const keyOf = (tag: string, slot: string) => `${tag}@${new Date(slot).toISOString()}`;

export class History {
  readonly events: HistoryEvent[] = [];
  readonly #t0 = Date.now();

  invoke(tag: string, slot: string): void {
    this.#push('invoke', keyOf(tag, slot));
  }

  ok(tag: string, slot: string): void {
    this.#push('ok', keyOf(tag, slot));
  }

  fault(description: string): void {
    this.#push('fault', description);
  }

  keys(type: 'invoke' | 'ok'): Set<string> {
    return new Set(this.events.filter((e) => e.type === type).map((e) => e.what));
  }

  #push(type: EventType, what: string): void {
    this.events.push({ atMs: Date.now() - this.#t0, type, what });
  }
}

/** Rows per (tag, metric, slot), once after FINAL and once raw, with the stored values. */
const keyRow = z.object({
  tag: z.string(),
  metric: z.string(),
  slot: z.string().transform(fromChTime),
  rows: z.coerce.number(),
  values: z.array(z.string()),
});
const keyParams = z.object({ platform: z.string(), tags: z.array(z.string()) });

export const checkerFinalKeysQuery = defineQuery({
  name: 'faults_checker_final_keys',
  params: keyParams,
  row: keyRow,
  sql: `SELECT tag, metric, slot, count() AS rows, groupArray(toString(value)) AS values
FROM ${T.observations} FINAL
WHERE platform = {platform:String} AND tag IN {tags:Array(String)}
GROUP BY tag, metric, slot`,
});

export const checkerRawKeysQuery = defineQuery({
  name: 'faults_checker_raw_keys',
  params: keyParams,
  row: keyRow,
  sql: `SELECT tag, metric, slot, count() AS rows, groupArray(toString(value)) AS values
FROM ${T.observations}
WHERE platform = {platform:String} AND tag IN {tags:Array(String)}
GROUP BY tag, metric, slot`,
});

export interface CheckResult {
  invoked: number;
  acked: number;
  storedSlots: number;
  lost: string[];
  missing: string[];
  phantom: string[];
  /** Slots stored with only some of the expected metrics. */
  incomplete: string[];
  duplicateKeys: string[];
  rawDuplicateRows: number;
  unservedValues: string[];
  faults: string[];
}

export interface CheckOptions {
  platform?: string;
  tags: string[];
  /** Metrics every stored slot must have. */
  metrics?: string[];
  /** What the local server sent; every stored value must be one of these. */
  served?: readonly ServedRecord[];
}

/** Compare the history with the store. Pure reads; safe to call repeatedly while waiting for a drain. */
export async function checkHistory(store: Store, history: History, o: CheckOptions): Promise<CheckResult> {
  const params = { platform: o.platform ?? 'tiktok', tags: o.tags };
  const [finalRows, rawRows] = [await store.run(checkerFinalKeysQuery, params), await store.run(checkerRawKeysQuery, params)];
  const metrics = o.metrics ?? ['views', 'posts'];
  const metricsBySlot = new Map<string, Set<string>>();
  for (const r of finalRows) {
    const k = keyOf(r.tag, r.slot);
    metricsBySlot.set(k, (metricsBySlot.get(k) ?? new Set()).add(r.metric));
  }
  const stored = new Set(metricsBySlot.keys());
  const ofTheseTags = (keys: Set<string>) => new Set([...keys].filter((k) => o.tags.includes(k.slice(0, k.indexOf('@')))));
  const invoked = ofTheseTags(history.keys('invoke'));
  const acked = ofTheseTags(history.keys('ok'));
  const served = o.served ? servedValues(o.served) : undefined;
  return {
    invoked: invoked.size,
    acked: acked.size,
    storedSlots: stored.size,
    lost: [...acked].filter((k) => !stored.has(k)),
    missing: [...invoked].filter((k) => !stored.has(k)),
    phantom: [...stored].filter((k) => !invoked.has(k) && !acked.has(k)),
    incomplete: [...metricsBySlot].filter(([, m]) => metrics.some((x) => !m.has(x))).map(([k]) => k),
    duplicateKeys: finalRows.filter((r) => r.rows !== 1).map((r) => `${keyOf(r.tag, r.slot)}/${r.metric}×${r.rows}`),
    rawDuplicateRows: rawRows.reduce((n, r) => n + r.rows - 1, 0),
    unservedValues: served
      ? finalRows.flatMap((r) => r.values.filter((v) => !served.get(`${r.tag}|${r.metric}`)?.has(v)).map((v) => `${keyOf(r.tag, r.slot)}/${r.metric}=${v}`))
      : [],
    faults: history.events.filter((e) => e.type === 'fault').map((e) => `+${(e.atMs / 1000).toFixed(1)}s ${e.what}`),
  };
}

function servedValues(served: readonly ServedRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (k: string, v: string) => out.set(k, (out.get(k) ?? new Set()).add(v));
  for (const s of served) {
    add(`${s.tag}|views`, s.views);
    add(`${s.tag}|posts`, s.posts);
  }
  return out;
}

/** True when every invariant holds, including liveness (every enqueued slot stored). */
export function isClean(r: CheckResult): boolean {
  return !r.lost.length && !r.missing.length && !r.phantom.length && !r.incomplete.length && !r.duplicateKeys.length && !r.unservedValues.length;
}

/** A few lines for the test log: what happened, and what the store says about it. */
export function summarize(title: string, r: CheckResult): string {
  const list = (xs: string[]) => (xs.length ? ` [${xs.slice(0, 5).join(', ')}${xs.length > 5 ? ', …' : ''}]` : '');
  return [
    `── ${title}`,
    `   history: ${r.invoked} slots enqueued, ${r.acked} acknowledged; faults: ${r.faults.join('; ') || 'none'}`,
    `   store:   ${r.storedSlots} slots stored; lost ${r.lost.length}${list(r.lost)}, missing ${r.missing.length}${list(r.missing)}, ` +
      `phantom ${r.phantom.length}${list(r.phantom)}, incomplete ${r.incomplete.length}${list(r.incomplete)}, ` +
      `duplicate keys after FINAL ${r.duplicateKeys.length}${list(r.duplicateKeys)}, unserved values ${r.unservedValues.length}${list(r.unservedValues)}`,
    `   raw duplicate rows merged by FINAL: ${r.rawDuplicateRows}`,
  ].join('\n');
}
