/**
 * The files docker-compose.yml mounts and builds from, checked against each other: ClickHouse/Keeper XML (well-formed,
 * secrets from the environment, cluster identity consistent), Grafana provisioning (datasource, dashboards, read-only
 * user) and the Dockerfile (pinned, non-root, ships what bin/tagpulse.js runs).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';
import { CONFIG_ENV_NAMES } from '../../../src/config/config.ts';
import { OPERATIONS } from '../../../src/api/openapi.ts';
import { commandArgs, isPinnedImage, loadCompose, parseDockerfile, parseTagpulseArgs, readRepoFile, repoRoot, type ComposeService } from './compose-model.ts';

const compose = loadCompose();
const svc = (name: string): ComposeService => compose.services[name]!;
/** Lists that may hold one element are always arrays: cluster shards and replicas, Keeper nodes and Raft servers. */
const LISTS = /(remote_servers\.\w+\.shard(\.replica)?|zookeeper\.node|raft_configuration\.server)$/;
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (_name, jpath) => LISTS.test(String(jpath)) });
type XmlNode = Record<string, unknown>;
const readXml = (rel: string) => (xml.parse(readRepoFile(rel)) as { clickhouse: XmlNode }).clickhouse;
/** Bind mounts of a service: repository path → container path. */
const mounts = (s: ComposeService) =>
  (s.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => {
    const [source, target] = v.split(':');
    return { source: source!.slice(2), target: target! };
  });
const mountTarget = (s: ComposeService, source: string) => mounts(s).find((m) => m.source === source)?.target;
const clickhouseDb = String(svc('clickhouse').environment?.CLICKHOUSE_DB);

function filesUnder(dir: string): string[] {
  return readdirSync(join(repoRoot, dir)).flatMap((f) => {
    const rel = join(dir, f);
    return statSync(join(repoRoot, rel)).isDirectory() ? filesUnder(rel) : [rel];
  });
}
function fromEnvNames(node: unknown): string[] {
  if (!node || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '@from_env' ? [String(v)] : fromEnvNames(v)));
}

describe('ClickHouse and Keeper XML', () => {
  const xmlFiles = filesUnder('deploy').filter((f) => f.endsWith('.xml'));

  it('every XML file is well-formed, with ClickHouse-safe comments', () => {
    expect(xmlFiles.length).toBeGreaterThanOrEqual(7);
    for (const f of xmlFiles) {
      const text = readRepoFile(f);
      expect(XMLValidator.validate(text), f).toBe(true);
      // The server's XML parser rejects "--" inside a comment; fast-xml-parser's validator does not check it.
      for (const [, body] of text.matchAll(/<!--([\s\S]*?)-->/g)) expect(body!.includes('--'), `${f}: "--" inside a comment`).toBe(false);
      expect(Object.keys(xml.parse(text) as object)).toContain('clickhouse');
    }
  });

  it('every mounted file exists, and every from_env variable is set on the services that mount it', () => {
    let checked = 0;
    for (const [name, s] of Object.entries(compose.services)) {
      for (const m of mounts(s)) {
        expect(existsSync(join(repoRoot, m.source)), `${name} mounts ${m.source}`).toBe(true);
        if (!m.source.endsWith('.xml')) continue;
        for (const v of fromEnvNames(xml.parse(readRepoFile(m.source)))) {
          expect(Object.keys(s.environment ?? {}), `${name}: ${m.source} reads ${v}`).toContain(v);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('the read-only user can read the tagpulse database and change settings (Grafana), but not write', () => {
    const cfg = readXml('deploy/clickhouse/users.d/tagpulse-reader.xml') as { profiles: Record<string, XmlNode>; users: Record<string, XmlNode> };
    const [user, def] = Object.entries(cfg.users)[0]!;
    const profile = cfg.profiles[String(def.profile)]!;
    expect(profile.readonly).toBe('2');
    expect(Object.keys(profile.constraints as object)).toContain('max_execution_time');
    expect((def.grants as { query: string }).query).toBe(`GRANT SELECT ON ${clickhouseDb}.*`);
    expect(def.password).toEqual({ '@from_env': 'CLICKHOUSE_READER_PASSWORD' });
    expect(def.access_management).toBe('0');
    // The same user is the one Grafana and the dashboard/API read as.
    const ds = grafanaDatasource();
    expect(ds.jsonData.username).toBe(user);
    expect(String(svc('dashboard').environment?.TAGPULSE_CLICKHOUSE_READONLY_URL)).toMatch(new RegExp(`^http://${user}:`));
  });

  it('the cluster is consistent: shards, macros, Keeper, default database', () => {
    const cluster = readXml('deploy/clickhouse/cluster/config.d/cluster.xml') as XmlNode & {
      remote_servers: Record<string, { shard: { internal_replication: string; replica: { host: string; port: string }[] }[] }>;
      zookeeper: { node: { host: string; port: string }[] };
    };
    const [clusterName, def] = Object.entries(cluster.remote_servers)[0]!;
    const shardHosts = def.shard.map((s) => s.replica.map((r) => r.host));
    const shardServices = Object.entries(compose.services).filter(([, s]) => mountTarget(s, 'deploy/clickhouse/cluster/config.d/cluster.xml'));
    expect(shardHosts.flat().sort()).toEqual(shardServices.map(([n]) => n).sort());
    expect(shardHosts.length).toBe(2);
    const seenShards = new Set<string>();
    for (const [name, s] of shardServices) {
      const macrosFile = mounts(s).find((m) => m.target === '/etc/clickhouse-server/config.d/macros.xml')!.source;
      const macros = (readXml(macrosFile) as { macros: { cluster: string; shard: string; replica: string } }).macros;
      expect(macros.cluster).toBe(clusterName);
      expect(macros.replica).toBe(s.hostname);
      expect(s.hostname).toBe(name);
      seenShards.add(macros.shard);
      const port = def.shard.flatMap((x) => x.replica).find((r) => r.host === name)!.port;
      expect(port).toBe('9000');
    }
    expect(seenShards.size).toBe(2);
    for (const shard of def.shard) expect(shard.internal_replication).toBe('true');
    expect(cluster.default_database).toBe(clickhouseDb);
    const keeper = readXml('deploy/keeper/keeper.xml') as { keeper_server: { tcp_port: string; raft_configuration: { server: { hostname: string }[] } } };
    expect(cluster.zookeeper.node).toEqual([{ host: svc('clickhouse-keeper').hostname, port: keeper.keeper_server.tcp_port }]);
    expect(keeper.keeper_server.raft_configuration.server[0]!.hostname).toBe(svc('clickhouse-keeper').hostname);
    // Keeper runs the file it is given, and keeps its Raft state on its volume.
    const keeperSvc = svc('clickhouse-keeper');
    expect(mountTarget(keeperSvc, 'deploy/keeper/keeper.xml')).toBe(keeperSvc.environment?.KEEPER_CONFIG);
    const dataMount = keeperSvc.volumes!.find((v) => v.startsWith('keeper-data:'))!.split(':')[1]!;
    const paths = keeper.keeper_server as unknown as { log_storage_path: string; snapshot_storage_path: string };
    for (const p of [paths.log_storage_path, paths.snapshot_storage_path]) expect(p.startsWith(`${dataMount}/`), p).toBe(true);
    // The cluster name the DDL uses by default ({cluster}) resolves through the macro above.
    expect(parseTagpulseArgs(commandArgs(svc('migrate-cluster'))).opts.cluster).toBeUndefined();
  });

  it('every tagpulse URL names the database the server creates', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (!/^TAGPULSE_CLICKHOUSE(_READONLY)?_URL$/.test(key)) continue;
        expect(String(value).split('/').at(-1), `${name} ${key}`).toBe(clickhouseDb);
      }
    }
  });
});

function infinityDatasource() {
  const doc = parseYaml(readRepoFile('dashboards/grafana/provisioning/datasources/tagpulse-api.yml')) as {
    datasources: { uid: string; type: string; url: string; jsonData: { allowedHosts: string[] } }[];
  };
  expect(doc.datasources).toHaveLength(1);
  return doc.datasources[0]!;
}

function grafanaDatasource() {
  const doc = parseYaml(readRepoFile('dashboards/grafana/provisioning/datasources/clickhouse.yml')) as {
    datasources: { uid: string; type: string; jsonData: Record<string, string | number | boolean>; secureJsonData: Record<string, string> }[];
  };
  expect(doc.datasources).toHaveLength(1);
  return doc.datasources[0]!;
}

describe('Grafana provisioning', () => {
  const grafana = svc('grafana');
  const dashboard = JSON.parse(readRepoFile('dashboards/grafana/dashboards/tagpulse.json')) as {
    uid: string;
    panels: {
      title: string;
      datasource: { uid: string; type: string };
      targets: { datasource: { uid: string }; rawSql?: string; url?: string; type?: string; source?: string; parser?: string; url_options?: { method: string; params?: { key: string; value: string }[] } }[];
    }[];
    templating: { list: { name: string; datasource: { uid: string }; query: string }[] };
  };

  it('mounts the provisioning and dashboard folders where Grafana and the provider look', () => {
    expect(mountTarget(grafana, 'dashboards/grafana/provisioning')).toBe('/etc/grafana/provisioning');
    const provider = (parseYaml(readRepoFile('dashboards/grafana/provisioning/dashboards/tagpulse.yml')) as { providers: { type: string; options: { path: string } }[] }).providers[0]!;
    expect(provider.type).toBe('file');
    expect(mountTarget(grafana, 'dashboards/grafana/dashboards')).toBe(provider.options.path);
    const home = String(grafana.environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH);
    expect(home.startsWith(provider.options.path + '/')).toBe(true);
    expect(existsSync(join(repoRoot, 'dashboards/grafana/dashboards', relative(provider.options.path, home)))).toBe(true);
  });

  it('the datasource is the preinstalled ClickHouse plugin, reading the tagpulse database, secrets from the environment', () => {
    const ds = grafanaDatasource();
    expect(String(grafana.environment?.GF_PLUGINS_PREINSTALL).split(',')).toContain(ds.type);
    expect(ds.jsonData).toMatchObject({ protocol: 'http', port: 8123, defaultDatabase: clickhouseDb });
    for (const v of [String(ds.jsonData.host), ds.secureJsonData.password!]) {
      const name = /^\$\{([A-Z_]+)\}$/.exec(v)?.[1];
      expect(name, `${v} comes from the environment`).toBeDefined();
      expect(Object.keys(grafana.environment ?? {})).toContain(name);
    }
    expect(String(grafana.environment?.CLICKHOUSE_HOST)).toMatch(/^\$\{CLICKHOUSE_HOST:-clickhouse\}$/);
  });

  it('every panel and variable uses a provisioned datasource; SQL binds variables as escaped SQL strings', () => {
    const ch = grafanaDatasource().uid;
    const api = infinityDatasource().uid;
    const sqls = [...dashboard.panels.flatMap((p) => p.targets.filter((t) => t.rawSql !== undefined).map((t) => t.rawSql!)), ...dashboard.templating.list.map((v) => v.query)];
    for (const p of dashboard.panels) {
      expect([ch, api], p.title).toContain(p.datasource.uid);
      for (const t of p.targets) {
        expect(t.datasource.uid, p.title).toBe(p.datasource.uid);
        // a ClickHouse target is SQL, an Infinity target a URL: never the other way round
        expect(t.rawSql !== undefined, p.title).toBe(t.datasource.uid === ch);
        expect(t.url !== undefined, p.title).toBe(t.datasource.uid === api);
      }
    }
    for (const v of dashboard.templating.list) expect(v.datasource.uid, v.name).toBe(ch);
    expect(sqls.length).toBeGreaterThanOrEqual(5);
    for (const sql of sqls) {
      // A variable in SQL is always ${name:sqlstring}: Grafana quotes and escapes it, so a value cannot break out.
      const uses = [...sql.matchAll(/\$\{?([A-Za-z]\w*)(:[a-z]+)?\}?/g)];
      for (const u of uses) expect(u[0], sql).toMatch(/^\$\{\w+:sqlstring\}$/);
    }
  });

  it('no panel derives a metric in SQL: velocity, growth and doubling time come from the API (issue 11: one definition)', () => {
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        if (t.rawSql === undefined) continue;
        // the SQL panels count (failures, precision shares); a rate of the counter in SQL is a second definition
        expect(t.rawSql, p.title).not.toMatch(/velocity|growth|doubling|dateDiff|lagInFrame|argMax\(value/i);
      }
    }
    const metricPanels = dashboard.panels.filter((p) => /velocity|counter|over time|\$\{metric\}/i.test(p.title));
    expect(metricPanels.length).toBeGreaterThanOrEqual(3);
    for (const p of metricPanels) expect(p.datasource.uid, p.title).toBe(infinityDatasource().uid);
  });

  it('Infinity targets read GET routes of the API that need no token, with known parameters and encoded variables', () => {
    const vars = new Set(dashboard.templating.list.map((v) => v.name));
    const routes = OPERATIONS.filter((o) => o.method === 'GET' && o.auth === 'none');
    let n = 0;
    for (const p of dashboard.panels) {
      for (const t of p.targets) {
        if (t.url === undefined) continue;
        n++;
        expect(t.type, p.title).toBe('json');
        expect(t.source, p.title).toBe('url');
        expect(t.parser, p.title).toBe('backend');
        expect(t.url_options!.method, p.title).toBe('GET');
        // in the path a variable is URI-encoded; query parameters are encoded by the plugin (url.Values)
        for (const m of t.url.matchAll(/\$\{?(\w+)(:[\w:]+)?\}?/g)) {
          expect(m[0], t.url).toMatch(/^\$\{\w+:percentencode\}$/);
          expect(vars.has(m[1]!), m[0]).toBe(true);
        }
        const pattern = t.url.replace(/\$\{\w+:percentencode\}/g, 'x');
        const route = routes.find((o) => new RegExp(`^${o.path.replace(/:\w+/g, '[^/]+')}$`).test(pattern));
        expect(route, `${t.url} is a GET route without a token`).toBeDefined();
        const shape = Object.keys((route!.query as unknown as { shape?: Record<string, unknown> } | undefined)?.shape ?? {});
        for (const q of t.url_options!.params ?? []) {
          expect(shape, `${t.url}?${q.key}`).toContain(q.key);
          for (const m of q.value.matchAll(/\$\{?(\w+)(:[\w:]+)?\}?/g)) {
            const ok = (m[1] === '__from' || m[1] === '__to') ? m[2] === ':date:iso' : vars.has(m[1]!) && m[2] === undefined;
            expect(ok, `${q.key}=${q.value}`).toBe(true);
          }
        }
      }
    }
    expect(n).toBeGreaterThanOrEqual(3);
  });

  it('the API datasource is the pinned Infinity plugin, pointed at the dashboard service it waits for', () => {
    const ds = infinityDatasource();
    const preinstall = String(grafana.environment?.GF_PLUGINS_PREINSTALL).split(',');
    const pinned = preinstall.find((x) => x.startsWith(`${ds.type}@`));
    expect(pinned, `${ds.type} is preinstalled at a fixed version`).toMatch(/@\d+\.\d+\.\d+$/);
    const name = /^\$\{([A-Z_]+)\}$/.exec(String(ds.url))?.[1];
    expect(name, 'the URL comes from the environment').toBeDefined();
    expect(ds.jsonData.allowedHosts).toEqual([ds.url]);
    const url = new URL(String(grafana.environment?.[name!]));
    const target = svc(url.hostname);
    expect(target, `${url.hostname} is a compose service`).toBeDefined();
    expect(commandArgs(target)).toEqual(['serve']);
    expect(String(target.environment?.TAGPULSE_API_PORT)).toBe(url.port);
    expect(grafana.depends_on?.[url.hostname]?.condition).toBe('service_healthy');
  });
});

describe('Dockerfile', () => {
  const stages = parseDockerfile(readRepoFile('Dockerfile'));
  const final = stages.at(-1)!;
  const ops = (op: string) => final.instructions.filter((i) => i.op === op).map((i) => i.args);

  it('builds from pinned images in stages, and runs as a non-root user', () => {
    expect(stages.length).toBe(2);
    for (const s of stages) expect(isPinnedImage(s.from), s.from).toBe(true);
    const user = ops('USER').at(-1);
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user!.split(':')[0]);
    for (const s of stages) for (const i of s.instructions) for (const m of i.args.matchAll(/TAGPULSE_[A-Z0-9_]+/g)) expect(CONFIG_ENV_NAMES.has(m[0]), m[0]).toBe(true);
  });

  it('ships what bin/tagpulse.js runs: package files, bin, compiled src (dist), dashboards', () => {
    const build = stages[0]!;
    const buildCopies = build.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
    expect(buildCopies).toEqual(expect.arrayContaining(['package.json package-lock.json ./', 'src ./src', 'tsconfig.json tsconfig.build.json ./']));
    expect(build.instructions.some((i) => i.op === 'RUN' && i.args.includes('tsc -p tsconfig.build.json'))).toBe(true);
    const copies = ops('COPY');
    expect(copies).toEqual(expect.arrayContaining(['package.json package-lock.json ./', 'bin ./bin', 'dashboards ./dashboards', `--from=${build.alias} /app/dist ./dist`]));
    expect(ops('RUN').some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
    // bin/tagpulse.js runs dist/cli/main.js when present: the build's outDir and rootDir must produce that path.
    expect(readRepoFile('bin/tagpulse.js')).toContain("join(root, 'dist', 'cli', 'main.js')");
    const tsBuild = JSON.parse(readRepoFile('tsconfig.build.json')) as { compilerOptions: { outDir: string; rootDir: string } };
    expect(tsBuild.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: 'src' });
    expect(existsSync(join(repoRoot, 'src/cli/main.ts'))).toBe(true);
    // Sources that compiled modules read at run time (new URL('../../src/…', import.meta.url)) are shipped too.
    const runtimeSources = filesUnder('src')
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...readRepoFile(f).matchAll(/new URL\('\.\.\/\.\.\/(src\/[^']+?)\/?', import\.meta\.url\)/g)].map((m) => m[1]!));
    expect(runtimeSources.length).toBeGreaterThan(0);
    for (const path of runtimeSources) {
      expect(existsSync(join(repoRoot, path)), path).toBe(true);
      expect(copies, `the image ships ${path}`).toContain(`${path} ./${path}`);
    }
  });

  it('its entrypoint is tagpulse and its default command parses', () => {
    expect(JSON.parse(ops('ENTRYPOINT').at(-1)!)).toEqual(['node', 'bin/tagpulse.js']);
    expect(parseTagpulseArgs(JSON.parse(ops('CMD').at(-1)!) as string[]).path).toEqual(['run']);
  });

  it('.dockerignore keeps secrets and local state out and lets the needed paths in', () => {
    const ignored = readRepoFile('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const p of ['node_modules', '.env', '.git', '.tagpulse', 'dist']) expect(ignored).toContain(p);
    for (const p of ['bin', 'src', 'dashboards', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(ignored).not.toContain(p);
  });
});
