/**
 * Issue 14, finding 9: care on sensitive topics. A tag matching the configured list (defaults: suicide, self-harm,
 * eating-disorder and crisis terms) gets crisis resources (988 Suicide & Crisis Lifeline, Crisis Text Line, an
 * international directory) in its exports' citation files, with a pointer to safe-messaging guidance; other tags do
 * not; the list is configurable and an empty list turns it off. The tag page's line is checked in Chromium
 * (tests/browser/workflow.spec.ts). Real chDB, the real `export` command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CARE, isSensitiveTag, parseSensitiveTopics } from '../../../src/services/care.ts';
import { configFields } from '../../../src/config/config.ts';
import { runImport } from '../../../src/cli/commands/import.ts';
import { runExport } from '../../../src/cli/commands/export.ts';
import { captureIo } from '../../unit/collectors/helpers.ts';
import { tempDir } from '../../helpers/tmp.ts';

const DEFAULTS = parseSensitiveTopics(configFields.sensitiveTopics.default as string);

describe('sensitive topics', () => {
  it('matches the campaign and crisis tags by default, ignoring case, _ and -, and not ordinary tags', () => {
    for (const t of ['suicidepreventionmonth', 'SuicideAwareness', 'self_harm', 'selfharmrecovery', 'eatingdisorderrecovery', 'anorexia', 'edrecovery', '988lifeline', 'mentalhealthcrisis'])
      expect(isSensitiveTag(t, DEFAULTS), t).toBe(true);
    for (const t of ['mentalhealthmatters', 'tiktoktherapy', 'booktok', 'haircut']) expect(isSensitiveTag(t, DEFAULTS), t).toBe(false);
    expect(isSensitiveTag('suicidepreventionmonth', parseSensitiveTopics(''))).toBe(false);
    expect(isSensitiveTag('suicidepreventionmonth', parseSensitiveTopics('off'))).toBe(false);
  });

  it('the text names the 988 Lifeline and Crisis Text Line, links an international directory, and points to safe-messaging guidance', () => {
    expect(CARE.resources).toMatch(/988 Suicide & Crisis Lifeline/);
    expect(CARE.resources).toMatch(/Crisis Text Line/);
    expect(CARE.links.map((l) => l.url)).toContain('https://findahelpline.com');
    expect(CARE.reporting).toMatch(/safe-messaging.*reportingonsuicide\.org/);
  });

  describe('citation files of exports', () => {
    const t = tempDir();
    const dataDir = join(t.dir, 'data');
    const out = join(t.dir, 'out');
    beforeAll(async () => {
      mkdirSync(out);
      const csv = join(t.dir, 's.csv');
      writeFileSync(csv, ['platform,tag,metric,observed_at,value', 'tiktok,suicidepreventionmonth,views,2024-09-01T00:00:00Z,1000', 'tiktok,tiktoktherapy,views,2024-09-01T00:00:00Z,500'].join('\n'));
      expect(await runImport({ file: csv, dataDir, logLevel: 'silent' }, captureIo())).toBe(0);
    });
    afterAll(() => t.cleanup());
    const citationOf = async (tags: string, env?: string) => {
      const file = join(out, `${tags}-${env ?? 'default'}.csv`);
      const prev = process.env.TAGPULSE_SENSITIVE_TOPICS;
      if (env !== undefined) process.env.TAGPULSE_SENSITIVE_TOPICS = env;
      const io = captureIo();
      try {
        expect(await runExport({ tags, out: file, dataDir, logLevel: 'silent' }, io)).toBe(0);
      } finally {
        if (prev === undefined) delete process.env.TAGPULSE_SENSITIVE_TOPICS;
        else process.env.TAGPULSE_SENSITIVE_TOPICS = prev;
      }
      return { citation: JSON.parse(readFileSync(`${file}.citation.json`, 'utf8')) as { care?: { resources: string; reporting: string }; text: string }, io };
    };

    it('a sensitive tag: the citation file carries the resources and the safe-messaging pointer; the CLI says so', async () => {
      const { citation, io } = await citationOf('suicidepreventionmonth');
      expect(citation.care).toEqual({ resources: CARE.resources, reporting: CARE.reporting });
      expect(citation.text).not.toContain('988'); // the ready-to-paste citation stays a citation
      expect(io.errors.join('\n')).toContain(CARE.reporting);
    });

    it('another tag: no care block', async () => {
      expect((await citationOf('tiktoktherapy')).citation.care).toBeUndefined();
    });

    it('configurable: with "off", no care block; with a custom list, the custom terms match', async () => {
      expect((await citationOf('suicidepreventionmonth', 'off')).citation.care).toBeUndefined();
      expect((await citationOf('tiktoktherapy', 'therapy')).citation.care).toBeDefined();
    });
  });
});
