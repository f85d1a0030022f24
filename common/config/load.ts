// Load, default and validate the configuration. Every problem is reported at once, each with its path;
// nothing is coerced except environment strings, which are parsed by the type the schema asks for.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseDocument } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Kind, type TSchema } from '@sinclair/typebox';
import { ConfigSchema, ENV_ALIASES, type Config } from './schema.ts';
import { credentialProblems } from '../../collectors/credentials.ts';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(source: string, problems: string[]) {
    super(`invalid configuration (${source}):\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every leaf setting of the schema with its path (objects with properties are descended into). */
export function leafSettings(schema: TSchema = ConfigSchema, path: string[] = []): { path: string[]; schema: TSchema }[] {
  if (schema[Kind] === 'Object' && schema.properties && path.length < 4) {
    return Object.entries(schema.properties as Record<string, TSchema>)
      .flatMap(([k, s]) => leafSettings(s, [...path, k]));
  }
  return [{ path, schema }];
}

export const envNameOf = (path: string[]): string => `RINGWATCH_${path.join('_').toUpperCase()}`;

function parseEnvValue(raw: string, schema: TSchema): unknown {
  const kind = schema[Kind];
  if (kind === 'Array') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (kind === 'Integer' || kind === 'Number') return raw.trim() === '' ? raw : Number(raw);
  if (kind === 'Boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

function setPath(target: Obj, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isObj(node[key])) node[key] = {};
    node = node[key] as Obj;
  }
  node[path[path.length - 1]] = value;
}

function applyEnv(raw: Obj, env: NodeJS.ProcessEnv): void {
  const byName = new Map<string, { path: string[]; schema: TSchema }>();
  for (const leaf of leafSettings()) byName.set(envNameOf(leaf.path), leaf);
  for (const [alias, path] of Object.entries(ENV_ALIASES)) {
    const leaf = leafSettings().find((l) => l.path.join('.') === path.join('.'));
    if (leaf) byName.set(alias, leaf);
  }
  for (const [name, leaf] of byName) {
    const value = env[name];
    if (value !== undefined) setPath(raw, leaf.path, parseEnvValue(value, leaf.schema));
  }
}

/** "/bus/kafka/topik" -> "bus.kafka.topik" (how config and scenario problems name a place). */
export const dottedPath = (pointer: string) => pointer.split('/').filter(Boolean).join('.') || '(root)';

/** A schema error in words an operator acts on. */
export function describeValueError(type: ValueErrorType, message: string, schema: TSchema): string {
  if (type === ValueErrorType.ObjectAdditionalProperties) return 'unrecognized key';
  if (type === ValueErrorType.ObjectRequiredProperty) return 'required key is missing';
  if (type === ValueErrorType.IntegerMinimum || type === ValueErrorType.NumberMinimum) return `must be >= ${schema.minimum}`;
  if (type === ValueErrorType.IntegerMaximum || type === ValueErrorType.NumberMaximum) return `must be <= ${schema.maximum}`;
  if (type === ValueErrorType.Union && Array.isArray(schema.anyOf)) {
    const options = (schema.anyOf as TSchema[]).map((s) => s.const).filter((c) => c !== undefined);
    if (options.length) return `must be one of ${options.join(', ')}`;
  }
  return message.charAt(0).toLowerCase() + message.slice(1);
}

function readSecretFiles(value: Obj, path: string[], problems: string[]): void {
  for (const [key, child] of Object.entries(value)) {
    if (isObj(child)) readSecretFiles(child, [...path, key], problems);
    else if (Array.isArray(child)) child.forEach((c, i) => isObj(c) && readSecretFiles(c, [...path, key, String(i)], problems));
    if (!key.endsWith('_file') || typeof child !== 'string') continue;
    const target = key.slice(0, -'_file'.length);
    try {
      const content = readFileSync(child, 'utf8');
      // A list setting (device_tokens) takes one value per line; a single secret the trimmed content.
      value[target] = Array.isArray(value[target])
        ? [...(value[target] as string[]), ...content.split('\n').map((l) => l.trim()).filter(Boolean)]
        : content.trim();
    } catch (err) {
      problems.push(`${[...path, key].join('.')}: cannot read ${child}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
}

function crossChecks(config: Config, problems: string[]): void {
  if (config.bus.kind === 'kafka' && !config.collector.auth_enabled) {
    problems.push('collector.auth_enabled: may be false only with bus.kind memory (embedded mode)');
  }
  problems.push(...credentialProblems(config.collector));
}

/** Build the configuration from parsed YAML (or {}) and the environment. Throws ConfigError with every problem. */
export function buildConfig(input: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): Config {
  if (input !== undefined && input !== null && !isObj(input)) throw new ConfigError(source, ['(root): must be a mapping']);
  const raw: Obj = structuredClone((input ?? {}) as Obj);
  applyEnv(raw, env);
  const withDefaults = Value.Default(ConfigSchema, raw) as Obj;
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(ConfigSchema, withDefaults)) {
    const line = `${dottedPath(e.path)}: ${describeValueError(e.type, e.message, e.schema)}`;
    if (!seen.has(e.path)) problems.push(line);
    seen.add(e.path);
  }
  if (problems.length) throw new ConfigError(source, problems);
  readSecretFiles(withDefaults, [], problems);
  const config = withDefaults as Config;
  crossChecks(config, problems);
  if (problems.length) throw new ConfigError(source, problems);
  config.instance_id ??= hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 128) || 'ringwatch';
  return config;
}

/** Read a YAML file and build the configuration. YAML syntax errors are reported with line and column. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): Config {
  if (!file) return buildConfig({}, env, 'defaults');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [`cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(file, doc.errors.map((e) => `line ${e.linePos?.[0].line ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  return buildConfig(doc.toJS(), env, file);
}

/** The configuration with every secret replaced by "<redacted>", for `ringwatch config` and logs. */
export function redactConfig(config: Config): unknown {
  const secretKeys = new Set(leafSettings().filter((l) => l.schema.secret).map((l) => l.path[l.path.length - 1]));
  secretKeys.add('hmac_secret');
  return JSON.parse(JSON.stringify(config, (key, value) =>
    secretKeys.has(key) && value !== undefined && !(Array.isArray(value) && value.length === 0) ? '<redacted>' : value));
}
