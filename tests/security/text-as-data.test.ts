/**
 * Injection: tags with quotes, backslashes, braces, tabs and newlines are refused by tag normalisation with a clear
 * message (service, API); the same text in free-text fields (note, provenance, failure messages, event names and
 * notes, query parameters, exports) is data — bound as {name:Type} parameters, it round-trips byte for byte, on the
 * embedded store and through the owner's API (the path CLI commands take while `tagpulse run` holds the store).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { normalizeTag, InvalidTagError, TagInput } from '../../src/schema/tag.ts';
import { openClickHouseStore, type ClickHouseStore } from '../../src/store/clickhouse-store.ts';
import { RemoteStore } from '../../src/store/remote-store.ts';
import { startApiServer, type ApiServer } from '../../src/api/server.ts';
import { mountApi } from '../../src/api/routes.ts';
import { seriesQuery, recentFailuresQuery, rawCountQuery } from '../../src/store/queries.ts';
import { addTracked } from '../../src/services/tracking.ts';
import { addEvent, listEvents } from '../../src/services/events.ts';
import { exportObservations } from '../../src/services/export.ts';
import type { Store } from '../../src/store/store.ts';
import { obs } from '../helpers/observations.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig } from '../helpers/config.ts';

/** Text that breaks naive SQL, JSON, CSV, TSV and log formatting. */
const HOSTILE = [
  `it's "quoted" \\ back {brace} {tag:String} \t tab \n newline \r\n crlf`,
  `'); DROP TABLE observations_v1; --`,
  `\\'; SELECT * FROM system.users; --`,
  `{platform:String}{tag:String}\${tag}`,
  `NUL\u0000byte, RTL\u202eoverride, emoji 🧠, bidi \u2066x\u2069`,
  `a,"b",c\td\ne`,
];
const BAD_TAGS = [`men'tal`, `men"tal`, `men\\tal`, `{tag}`, `men\ttal`, `men\ntal`, `men tal`, `tag;drop`, `tag--`, `ta/g`, `tag\u0000`, `tag\u202e`, `#`, ''];

describe('tags are refused with a clear message, never rewritten', () => {
  it.each(BAD_TAGS)('%j', (bad) => {
    let error: unknown;
    try {
      normalizeTag(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidTagError);
    expect(error).toMatchObject({ code: 'TAG_INVALID', message: expect.stringMatching(/^invalid tag .*: it (contains|is empty).*A tag may contain letters, digits and '_'/s) });
    expect(TagInput.safeParse(bad).success).toBe(false);
  });
});

describe('hostile text is data', () => {
  const t = tempDir('tagpulse-text-');
  let store: ClickHouseStore;
  let api: ApiServer;
  const backends: [string, () => Store][] = [
    ['embedded store', () => store],
    ['owner API', () => new RemoteStore(api.url, api.ownerToken)],
  ];

  beforeAll(async () => {
    store = await openClickHouseStore({ dataDir: t.dir });
    await store.migrate();
    api = await startApiServer({ store, host: '127.0.0.1', port: 0, mount: (router, deps) => mountApi(router, { ...deps, cfg: testConfig({ dataDir: t.dir }) }) });
  });
  afterAll(async () => {
    await api?.close();
    await store?.close();
    t.cleanup();
  });

  it('the tracking service and the API refuse bad tags with the same message', async () => {
    await expect(addTracked(store, { tags: ['ok_tag', `men'tal`], platform: 'tiktok', every: '1h' })).rejects.toMatchObject({ code: 'TAG_INVALID' });
    for (const bad of [`men'tal`, `{tag}`, `a\tb`]) {
      const res = await fetch(`${api.url}/api/tags/tiktok/${encodeURIComponent(bad)}/series`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^invalid tag .*A tag may contain/s);
    }
  });

  for (const [name, backend] of backends) {
    describe(name, () => {
      const tag = name === 'owner API' ? 'text_remote' : 'text_local';

      it('note and provenance round-trip byte for byte; hostile query parameters only match nothing', async () => {
        const s = backend();
        await s.insertObservations(HOSTILE.map((text, i) => obs({ tag, observedAt: new Date(Date.UTC(2024, 2, 1, i)).toISOString(), value: String(100 + i), note: text, provenance: text })));
        const rows = await s.run(seriesQuery, { platform: 'tiktok', tag, metric: 'views' });
        expect(rows.map((r) => r.note)).toEqual(HOSTILE);
        expect(rows.map((r) => r.provenance)).toEqual(HOSTILE);
        for (const text of HOSTILE) {
          expect(await s.run(seriesQuery, { platform: 'tiktok', tag: text, metric: text })).toEqual([]);
          expect(await s.run(rawCountQuery, { platform: text, tag: `${tag}' OR '1'='1` })).toEqual([{ rows: '0', keys: '0' }]);
        }
      });

      it('failure messages and URLs round-trip', async () => {
        const s = backend();
        const since = Date.now() - 86_400_000; // recent: failures expire after ~13 months (TTL)
        const at = (i: number) => new Date(since + i * 60_000).toISOString();
        await s.insertFailures(HOSTILE.map((text, i) => ({ platform: 'tiktok', tag, kind: 'malformed', statusCode: 200, platformCode: '', message: text, method: 'http', source: '', slot: at(i), occurredAt: at(i), attempt: 1, collectorVersion: 'test', url: text })));
        const rows = (await s.run(recentFailuresQuery, { since: new Date(since).toISOString(), limit: 100 })).filter((r) => r.tag === tag).reverse();
        expect(rows.map((r) => r.message)).toEqual(HOSTILE);
        expect(rows.map((r) => r.url)).toEqual(HOSTILE);
      });

      it('event names and notes round-trip; bad event tags are refused', async () => {
        const s = backend();
        for (const [i, text] of HOSTILE.entries()) await addEvent(s, { name: text, slug: `${tag.replace('_', '-')}-${i}`, start: `2024-05-0${i + 1}T00:00:00Z`, note: text });
        const mine = (await listEvents(s)).filter((e) => e.slug.startsWith(tag.replace('_', '-')));
        expect(mine.map((e) => [e.name, e.note])).toEqual(HOSTILE.map((x) => [x.trim(), x]));
        await expect(addEvent(s, { name: 'x', start: '2024-05-01T00:00:00Z', tags: [`men'tal`] })).rejects.toThrow(/tag/);
      });

      it('exports carry the text as data (JSONEachRow parses back to the same strings)', async () => {
        const s = backend();
        const out = await exportObservations(s, { platform: 'tiktok', tags: [tag], format: 'jsonl' });
        const lines = out.bytes.toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { note: string; provenance: string });
        expect(lines.map((l) => l.note)).toEqual(HOSTILE);
        expect(lines.map((l) => l.provenance)).toEqual(HOSTILE);
      });
    });
  }
});
