// Load, default and validate a configuration against the schema the executable assembles (app/config.ts).
// Every problem is reported at once, each with its path; nothing is coerced except environment strings,
// which are parsed by the type the schema asks for. The foundation knows no role: the schema, the short
// environment aliases and the cross-section checks are given to it.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { Value } from '@sinclair/typebox/value';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { Kind, type Static, type TSchema } from '@sinclair/typebox';

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
export function leafSettings(schema: TSchema, path: string[] = []): { path: string[]; schema: TSchema }[] {
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

function applyEnv(raw: Obj, env: NodeJS.ProcessEnv, schema: TSchema, aliases: Record<string, string[]>): void {
  const byName = new Map<string, { path: string[]; schema: TSchema }>();
  const leaves = leafSettings(schema);
  for (const leaf of leaves) byName.set(envNameOf(leaf.path), leaf);
  for (const [alias, path] of Object.entries(aliases)) {
    const leaf = leaves.find((l) => l.path.join('.') === path.join('.'));
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

export interface ConfigShape<S extends TSchema> {
  schema: S;
  /** Environment variables kept short for the settings people set most: name -> path. */
  envAliases: Record<string, string[]>;
  /** Checks across sections, after the schema passed; each problem "path: why". */
  crossChecks(config: Static<S>, problems: string[]): void;
  /** Fill in what only the running process knows (e.g. the host name as instance id). */
  finish(config: Static<S>): void;
}

export interface ConfigLoader<C> {
  /** Build the configuration from parsed YAML (or {}) and the environment. Throws ConfigError with every problem. */
  buildConfig(input: unknown, env?: NodeJS.ProcessEnv, source?: string): C;
  /** Read a YAML file and build the configuration. YAML syntax errors are reported with line and column. */
  loadConfig(file: string | undefined, env?: NodeJS.ProcessEnv): C;
  /** The configuration with every secret replaced by "<redacted>", for `ringwatch config` and logs. */
  redactConfig(config: C): unknown;
}

export function configLoader<S extends TSchema>(shape: ConfigShape<S>): ConfigLoader<Static<S>> {
  type C = Static<S>;
  const { schema } = shape;
  function buildConfig(input: unknown, env: NodeJS.ProcessEnv = process.env, source = 'config'): C {
    if (input !== undefined && input !== null && !isObj(input)) throw new ConfigError(source, ['(root): must be a mapping']);
    const raw: Obj = structuredClone((input ?? {}) as Obj);
    applyEnv(raw, env, schema, shape.envAliases);
    const withDefaults = Value.Default(schema, raw) as Obj;
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const e of Value.Errors(schema, withDefaults)) {
      const line = `${dottedPath(e.path)}: ${describeValueError(e.type, e.message, e.schema)}`;
      if (!seen.has(e.path)) problems.push(line);
      seen.add(e.path);
    }
    if (problems.length) throw new ConfigError(source, problems);
    readSecretFiles(withDefaults, [], problems);
    const config = withDefaults as C;
    shape.crossChecks(config, problems);
    if (problems.length) throw new ConfigError(source, problems);
    shape.finish(config);
    return config;
  }
  function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): C {
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
  const secretKeys = new Set(leafSettings(schema).filter((l) => l.schema.secret).map((l) => l.path[l.path.length - 1]));
  secretKeys.add('hmac_secret');
  function redactConfig(config: C): unknown {
    return JSON.parse(JSON.stringify(config, (key, value) =>
      secretKeys.has(key) && value !== undefined && !(Array.isArray(value) && value.length === 0) ? '<redacted>' : value));
  }
  return { buildConfig, loadConfig, redactConfig };
}
