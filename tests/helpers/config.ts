import { loadConfig, type Config, type ConfigKey } from '../../src/config/config.ts';

/** A config for tests: defaults plus overrides, never the developer's environment or config file. */
export function testConfig(overrides: Partial<Record<ConfigKey, unknown>>): Config {
  return loadConfig({ env: {}, flags: { logLevel: 'silent', ...overrides }, configFile: undefined, cwd: '/' });
}
