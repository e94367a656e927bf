/**
 * Reading the deployment files the way their tools do, so tests can check them without a Docker engine:
 * docker-compose.yml (YAML with merge keys, then compose's ${VAR} interpolation), the Dockerfile (instructions per
 * stage) and tagpulse command lines (parsed by the real CLI program, without running any action).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.ts';

export const repoRoot = join(import.meta.dirname, '..', '..', '..');
export const readRepoFile = (rel: string) => readFileSync(join(repoRoot, rel), 'utf8');

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition?: string; required?: boolean }>;
  profiles?: string[];
  restart?: string;
  hostname?: string;
  deploy?: { replicas?: number };
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

/** docker-compose.yml as compose sees it before interpolation (YAML anchors and `<<` merges resolved). */
export function loadCompose(): ComposeFile {
  return parse(readRepoFile('docker-compose.yml'), { merge: true }) as ComposeFile;
}

/** Names of the variables a compose string interpolates (`${NAME}`, `${NAME:-x}`, `${NAME:?msg}`, nested too). */
export function interpolatedNames(value: string): string[] {
  return [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/**
 * Compose interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, nested defaults,
 * and $$ for a literal $. A missing required variable throws with compose's message.
 */
export function interpolate(value: string, env: Record<string, string>): string {
  let out = '';
  let i = 0;
  while (i < value.length) {
    if (value.startsWith('$$', i)) {
      out += '$';
      i += 2;
    } else if (value.startsWith('${', i)) {
      const end = closingBrace(value, i + 2);
      out += resolveExpression(value.slice(i + 2, end), env);
      i = end + 1;
    } else {
      out += value[i];
      i++;
    }
  }
  return out;
}

function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s.startsWith('${', i)) {
      depth++;
      i++;
    } else if (s[i] === '}' && --depth === 0) return i;
  }
  throw new Error(`unterminated \${ in ${JSON.stringify(s)}`);
}

function resolveExpression(expr: string, env: Record<string, string>): string {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([\s\S]*))?$/.exec(expr);
  if (!m) throw new Error(`invalid interpolation \${${expr}}`);
  const [, name, op, arg = ''] = m;
  const v = env[name!];
  const unset = op?.startsWith(':') ? !v : v === undefined;
  if (!op || !unset) return v ?? '';
  if (op.endsWith('-')) return interpolate(arg, env);
  throw new Error(`required variable ${name} is missing: ${interpolate(arg, env)}`);
}

/** The environment of a service after interpolation, as strings. */
export function serviceEnv(s: ComposeService, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v ?? ''), env)]));
}

export function commandArgs(s: ComposeService): string[] {
  if (s.command === undefined) return [];
  return Array.isArray(s.command) ? s.command.map(String) : s.command.split(/\s+/).filter(Boolean);
}

/** Services that run the tagpulse image (built from this repository's Dockerfile). */
export function tagpulseServices(c: ComposeFile): [string, ComposeService][] {
  return Object.entries(c.services).filter(([, s]) => s.build !== undefined);
}

export interface ParsedCommand {
  /** Subcommand path, e.g. ['worker'] or ['track', 'add']. */
  path: string[];
  opts: Record<string, unknown>;
  operands: string[];
}

/**
 * Parse `tagpulse <args>` with the real command tree and without running any action, the way commander dispatches:
 * each level parses the options it knows, hands the rest to the subcommand named by the first operand, and the last
 * level must have no unknown option left, no missing option value and no unexpected operand.
 */
export function parseTagpulseArgs(args: string[]): ParsedCommand {
  const path: string[] = [];
  let cmd: Command = buildProgram();
  let operands: string[] = [];
  let unknown = [...args];
  for (;;) {
    disarm(cmd);
    const parsed = cmd.parseOptions(unknown);
    operands = operands.concat(parsed.operands);
    unknown = parsed.unknown;
    const next = operands[0] === undefined ? undefined : cmd.commands.find((c) => c.name() === operands[0] || c.aliases().includes(operands[0]!));
    if (next) {
      path.push(next.name());
      operands = operands.slice(1);
      cmd = next;
      continue;
    }
    const where = `tagpulse ${path.join(' ')}`.trim();
    if (!path.length) throw new Error(`not a tagpulse command: ${args.join(' ')}`);
    if (unknown.length) throw new Error(`${where}: unknown option(s) ${unknown.join(' ')}`);
    const variadic = cmd.registeredArguments.some((a) => a.variadic);
    if (!variadic && operands.length > cmd.registeredArguments.length) throw new Error(`${where}: unexpected argument(s) ${operands.join(' ')}`);
    return { path, opts: cmd.opts(), operands };
  }
}

/** Errors throw instead of exiting, and nothing is written to the terminal. */
function disarm(cmd: Command): void {
  cmd.exitOverride();
  cmd.configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
}

export interface DockerfileStage {
  from: string;
  alias?: string;
  instructions: { op: string; args: string }[];
}

/** Dockerfile stages with their instructions (line continuations joined, comments dropped). */
export function parseDockerfile(text: string): DockerfileStage[] {
  const lines = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const stages: DockerfileStage[] = [];
  for (const line of lines) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const [from, , alias] = args.split(/\s+/);
      stages.push({ from: from!, ...(alias ? { alias } : {}), instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op, args });
    }
  }
  return stages;
}

/** An image reference is pinned when its tag carries an explicit version (major.minor.patch), never latest. */
export function isPinnedImage(ref: string): boolean {
  const m = /^(?:[\w.-]+(?::\d+)?\/)?[\w./-]+:([\w.-]+)(?:@sha256:[0-9a-f]{64})?$/.exec(ref);
  return Boolean(m && m[1] !== 'latest' && /^v?\d+\.\d+\.\d+/.test(m[1]!));
}
