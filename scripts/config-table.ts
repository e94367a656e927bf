/** Prints the configuration table (markdown) from the config module: the README's table is generated from this. */
import { describeConfig, kebab, configFields } from '../src/config/config.ts';

const rows = describeConfig();
console.log('| key | env | flag | default | what it does |');
console.log('|---|---|---|---|---|');
const flags = new Set(['dataDir', 'clickhouseUrl', 'redisUrl', 'logLevel', 'logFormat', 'apiHost', 'apiPort', 'adminToken', 'tiktokBaseUrl', 'tiktokMethod']);
for (const r of rows) {
  const flag = r.key === 'apiHost' ? '`--host`' : r.key === 'apiPort' ? '`--port`' : r.key === 'tiktokMethod' ? '`--method`' : flags.has(r.key) ? `\`--${kebab(r.key)}\`` : '';
  console.log(`| \`${r.key}\` | \`${r.env}\` | ${flag} | ${r.default ? `\`${r.default.replace(/\|/g, '\\|')}\`` : ''} | ${r.doc.replace(/\|/g, '\\|')} |`);
}
void configFields;
