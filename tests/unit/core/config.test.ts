import { describe, it, expect } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError, describeConfig, secretValues, CONFIG_ENV_NAMES } from '../../../src/config/config.ts';
import { tempDir } from '../../helpers/tmp.ts';

describe('config table', () => {
  it('applies flag > env > file > default', () => {
    const t = tempDir();
    writeFileSync(join(t.dir, 'tagpulse.config.json'), JSON.stringify({ apiPort: 1111, logLevel: 'warn', collectConcurrency: 3 }));
    const base = { cwd: t.dir };
    expect(loadConfig({ ...base, env: {} }).apiPort).toBe(1111);
    expect(loadConfig({ ...base, env: { TAGPULSE_API_PORT: '2222' } }).apiPort).toBe(2222);
    expect(loadConfig({ ...base, env: { TAGPULSE_API_PORT: '2222' }, flags: { apiPort: '3333' } }).apiPort).toBe(3333);
    const cfg = loadConfig({ ...base, env: {} });
    expect(cfg.logLevel).toBe('warn');
    expect(cfg.collectConcurrency).toBe(3);
    expect(cfg.attempts).toBe(5); // default
    expect(cfg.dataDir).toBe(join(t.dir, '.tagpulse'));
    expect(Object.isFrozen(cfg)).toBe(true);
    t.cleanup();
  });

  it('explains every invalid value with where it came from', () => {
    expect(() => loadConfig({ env: { TAGPULSE_API_PORT: 'abc', TAGPULSE_LOG_LEVEL: 'loud' }, cwd: '/' })).toThrow(ConfigError);
    try {
      loadConfig({ env: { TAGPULSE_API_PORT: 'abc', TAGPULSE_LOG_LEVEL: 'loud' }, cwd: '/' });
    } catch (e) {
      const m = (e as Error).message;
      expect(m).toMatch(/env TAGPULSE_API_PORT: "abc" is not valid for apiPort/);
      expect(m).toMatch(/env TAGPULSE_LOG_LEVEL: "loud" is not valid for logLevel/);
    }
  });

  it('rejects unknown keys and broken JSON in the config file', () => {
    const t = tempDir();
    writeFileSync(join(t.dir, 'tagpulse.config.json'), JSON.stringify({ apiPrt: 1 }));
    expect(() => loadConfig({ cwd: t.dir, env: {} })).toThrow(/unknown key\(s\) apiPrt/);
    writeFileSync(join(t.dir, 'tagpulse.config.json'), '{ nope');
    expect(() => loadConfig({ cwd: t.dir, env: {} })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ cwd: t.dir, env: {}, configFile: 'missing.json' })).toThrow(/does not exist/);
    t.cleanup();
  });

  it('masks secrets and lists them for redaction', () => {
    const cfg = loadConfig({ cwd: '/', env: { TAGPULSE_ADMIN_TOKEN: 'a-very-secret-token-123', TAGPULSE_REDIS_URL: 'redis://u:hunter2pass@localhost:6379' } });
    const rows = describeConfig(cfg);
    expect(rows.find((r) => r.key === 'adminToken')!.value).toBe('***');
    expect(JSON.stringify(rows)).not.toContain('a-very-secret-token-123');
    expect(secretValues(cfg)).toEqual(expect.arrayContaining(['a-very-secret-token-123', 'hunter2pass']));
    expect(CONFIG_ENV_NAMES.has('TAGPULSE_TIKTOK_BASE_URL')).toBe(true);
  });
});
