/**
 * Care on sensitive topics: the tags this product is built around include #suicidepreventionmonth and crisis terms.
 * A tag matching the configured list (config `sensitiveTopics`) gets a small, dismissible resource line on its tag
 * page and a `care` block in its exports' citation files; the citation also points to safe-messaging guidance for
 * reporting on suicide. The wording lives here and nowhere else (the dashboard reads it from the API).
 */

export interface CareLink {
  label: string;
  url: string;
}

/** The texts, in one place. */
export const CARE = {
  resources:
    'If this topic affects you or someone you know: in the US, call or text 988 (988 Suicide & Crisis Lifeline) or text HOME to 741741 (Crisis Text Line); elsewhere, findahelpline.com lists free, confidential helplines by country.',
  links: [
    { label: '988 Suicide & Crisis Lifeline (US)', url: 'https://988lifeline.org' },
    { label: 'Crisis Text Line', url: 'https://www.crisistextline.org' },
    { label: 'Find a Helpline (international directory)', url: 'https://findahelpline.com' },
    { label: 'IASP crisis centres (international)', url: 'https://www.iasp.info/crisis-centres-helplines/' },
  ] satisfies CareLink[],
  reporting: 'Reporting on suicide? Follow the safe-messaging guidelines at https://reportingonsuicide.org (recommendations for reporting on suicide).',
} as const;

/* The default terms (suicide, self-harm, eating disorders, crisis terms) are in the config table: sensitiveTopics. */

const fold = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

/** "suicide, self-harm" → ["suicide", "selfharm"]; "off" or an empty list turns the feature off. */
export function parseSensitiveTopics(list: string): string[] {
  if (/^\s*(off|none)\s*$/i.test(list)) return [];
  return [...new Set(list.split(',').map(fold).filter(Boolean))];
}

/** True when the tag contains one of the terms (ignoring case, _ and -). */
export function isSensitiveTag(tag: string, terms: readonly string[]): boolean {
  const t = fold(tag);
  return terms.some((term) => t.includes(term));
}

export interface CareNote {
  resources: string;
  reporting: string;
}

/** The care block for a set of tags (an export's), or null when none is sensitive. */
export function careFor(tags: readonly string[], terms: readonly string[]): CareNote | null {
  return tags.some((t) => isSensitiveTag(t, terms)) ? { resources: CARE.resources, reporting: CARE.reporting } : null;
}
