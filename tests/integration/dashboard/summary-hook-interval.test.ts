/**
 * Issue 15, write path (bench figure 1): the loader's post-load summary hook starts a load-triggered refresh at most
 * once per summaryRefreshMinMs. Before, every stored batch scheduled a refresh of its tags at once, so a busy loader
 * recomputed the same tags after every batch (~80 µs of main-thread time per sample in the figure 1 profile). Real chDB.
 *  - the first batch is refreshed at once (leading edge);
 *  - the tags of the batches within the interval are held, not refreshed, and go together in one round;
 *  - idle() (shutdown, tests) releases them at once;
 *  - with 0 every batch is refreshed at once (the old behaviour).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClickHouseStore, type ClickHouseStore } from '../../../src/store/clickhouse-store.ts';
import { summaryRowsQuery } from '../../../src/store/summary-queries.ts';
import { createSummaryHook, summaryRefresher } from '../../../src/services/tag-summaries.ts';
import { obs } from '../../helpers/observations.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('post-load summary refresh: at most once per summaryRefreshMinMs (issue 15, figure 1)', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: ClickHouseStore;
  beforeAll(async () => {
    dir = tempDir();
    store = await openClickHouseStore({ dataDir: dir.dir });
    await store.migrate();
  });
  afterAll(async () => {
    await store?.close();
    dir?.cleanup();
  });

  const has = async (platform: string, tag: string) => (await store.run(summaryRowsQuery, { platforms: [platform], tags: [tag] })).some((r) => r.metric === 'views');
  /** Store a reading of the tag and hand the batch to the hook, as the loader does after an insert. */
  const load = async (hook: ReturnType<typeof createSummaryHook>, platform: string, tag: string) => {
    const o = obs({ platform, tag, observedAt: new Date(Date.now() - 60_000).toISOString(), value: '1000' });
    await store.insertObservations([o]);
    await hook({ observations: [o] });
  };

  it('refreshes the first batch at once, holds the tags of the next ones until the interval ends, then refreshes them in one round', async () => {
    const hook = createSummaryHook(() => store, { minIntervalMs: () => 60_000 });
    const refresher = summaryRefresher(store);
    await load(hook, 'held', 'first');
    await refresher.idle();
    expect(await has('held', 'first')).toBe(true);
    const rounds = refresher.rounds;
    await load(hook, 'held', 'second');
    await load(hook, 'held', 'third');
    await refresher.idle();
    // within the interval: nothing ran, the two tags wait
    expect(refresher.rounds).toBe(rounds);
    expect(await has('held', 'second')).toBe(false);
    expect(await has('held', 'third')).toBe(false);
    await hook.idle();
    expect(refresher.rounds).toBe(rounds + 1);
    expect(await has('held', 'second')).toBe(true);
    expect(await has('held', 'third')).toBe(true);
  });

  it('releases held tags when the interval has passed, without idle()', async () => {
    const hook = createSummaryHook(() => store, { minIntervalMs: () => 3000 });
    await load(hook, 'timed', 'a');
    await load(hook, 'timed', 'b');
    await summaryRefresher(store).idle();
    expect(await has('timed', 'b')).toBe(false);
    await new Promise((r) => setTimeout(r, 3500));
    await summaryRefresher(store).idle();
    expect(await has('timed', 'b')).toBe(true);
  });

  it('with 0, every batch is refreshed at once', async () => {
    const hook = createSummaryHook(() => store, { minIntervalMs: () => 0 });
    await load(hook, 'eager', 'a');
    await load(hook, 'eager', 'b');
    await summaryRefresher(store).idle();
    expect(await has('eager', 'a')).toBe(true);
    expect(await has('eager', 'b')).toBe(true);
  });
});
