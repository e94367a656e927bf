import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, describeConfig, ConfigError } from '../../../src/config/config.ts';
import { tempDir } from '../../helpers/tmp.ts';

const rules = [
  { name: 'fast', kind: 'velocity', threshold: 1_000_000, tags: ['#MentalHealth'] },
  { name: 'spike', kind: 'zScore', threshold: 3.5, metric: 'views' },
];

describe('alerts config', () => {
  it('reads rules from the config file, with defaults and normalised tags', () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'tagpulse.config.json'), JSON.stringify({ alerts: { rules } }));
      const cfg = loadConfig({ env: {}, cwd: t.dir });
      expect(cfg.alerts!.rules).toEqual([
        { name: 'fast', kind: 'velocity', threshold: 1_000_000, window: '24h', tags: ['mentalhealth'] },
        { name: 'spike', kind: 'zScore', threshold: 3.5, metric: 'views' },
      ]);
      expect(cfg.alerts!.delivery).toEqual({ attempts: 3, backoffMs: 500, timeoutMs: 10_000, maxAttempts: 12 });
      expect(describeConfig(cfg).find((r) => r.key === 'alerts')!.value).toBe('2 rule(s): fast (velocity), spike (zScore)');
    } finally {
      t.cleanup();
    }
  });

  it('reads JSON from TAGPULSE_ALERTS; no rules configured means undefined', () => {
    expect(loadConfig({ env: { TAGPULSE_ALERTS: JSON.stringify({ rules: [{ name: 'b', kind: 'breakout' }] }) }, cwd: '/' }).alerts!.rules).toEqual([{ name: 'b', kind: 'breakout' }]);
    expect(loadConfig({ env: {}, cwd: '/' }).alerts).toBeUndefined();
  });

  it('says which rule and field is wrong', () => {
    const bad = (alerts: unknown) => () => loadConfig({ env: { TAGPULSE_ALERTS: typeof alerts === 'string' ? alerts : JSON.stringify(alerts) }, cwd: '/' });
    expect(bad({ rules: [{ name: 'x', kind: 'velocity' }] })).toThrow(/alerts\.rules\.0\.threshold: /);
    expect(bad({ rules: [{ name: 'x', kind: 'sudden' }] })).toThrow(/alerts\.rules\.0\.kind: /);
    expect(bad({ rules: [{ name: 'x', kind: 'breakout' }, { name: 'x', kind: 'zScore', threshold: 2 }] })).toThrow(/two rules are named "x"/);
    expect(bad({ rules: [{ name: 'x', kind: 'breakout', tags: ['no-dash'] }] })).toThrow(/alerts\.rules\.0\.tags\.0: invalid tag/);
    expect(bad({ rules: [{ name: 'x', kind: 'velocity', threshold: 5, window: '3h' }] })).toThrow(/alerts\.rules\.0\.window: /);
    expect(bad('{not json')).toThrow(ConfigError);
    expect(bad('{not json')).toThrow(/alerts: not valid JSON/);
  });
});
