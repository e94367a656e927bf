/**
 * Seed for the raw-evidence and format-drift views (issue 13): a hostile saved response linked from an Instagram
 * no_data failure, enough recent no_data failures for Instagram to be "still drifting", and the format_drift alert.
 */
import type { Store } from '../../src/store/store.ts';
import { saveEvidence } from '../../src/services/raw-evidence.ts';

export const EVIDENCE = {
  body: '<!DOCTYPE html><html><body><b id="bold">bold</b><script>window.__xss = "raw"</script><h1>future page</h1></body></html>',
  platform: 'instagram',
  tag: 'evidencetag',
};

export async function seedEvidenceAndDrift(store: Store, dataDir: string, nowMs: number): Promise<string> {
  const at = (minutesAgo: number) => new Date(nowMs - minutesAgo * 60_000).toISOString();
  const rawRef = await saveEvidence(dataDir, { keepPerKind: 20, maxBytes: 10 * 1024 * 1024 }, {
    platform: EVIDENCE.platform,
    tag: EVIDENCE.tag,
    kind: 'no_data',
    message: 'Instagram answered with an HTML page instead of the web_info JSON',
    collectorVersion: 'instagram/1.0.0',
    method: 'http',
    raw: { url: 'http://127.0.0.1/api/v1/tags/web_info/?tag_name=evidencetag', status: 200, headers: { 'content-type': 'text/html' }, body: EVIDENCE.body, receivedAt: at(1) },
  });
  await store.insertFailures(
    Array.from({ length: 20 }, (_, i) => ({
      platform: EVIDENCE.platform,
      tag: EVIDENCE.tag,
      kind: 'no_data' as const,
      statusCode: 200,
      platformCode: '',
      message: 'Instagram answered with an HTML page instead of the web_info JSON',
      method: 'http',
      source: '',
      slot: at(i + 1),
      occurredAt: at(i + 1),
      attempt: 1,
      collectorVersion: 'instagram/1.0.0',
      url: 'http://127.0.0.1/api/v1/tags/web_info/?tag_name=evidencetag',
      rawRef: i === 0 ? rawRef : '',
    })),
  );
  const payload = { id: 'seed', rule: 'format_drift', kind: 'format_drift', platform: EVIDENCE.platform, tag: '', metric: '', message: `${EVIDENCE.platform}: the page format seems to have changed <img src=x onerror="window.__xss='banner'">`, rawRefs: [rawRef], reparse: `tagpulse parse ${dataDir}/raw/instagram/no_data/${rawRef}.json` };
  await store.upsertAlertDeliveries([{ rule: 'format_drift', platform: EVIDENCE.platform, tag: '', metric: '', windowKey: 'seed', firedAt: at(5), payload: JSON.stringify(payload), delivered: true, attempts: 1 }]);
  return rawRef;
}
