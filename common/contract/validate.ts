// Strict validation: nothing is coerced, nothing is dropped. Every problem is reported with its JSON path.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType } from '@sinclair/typebox/errors';
import { EventSchemas, type EventKind, type EventOf } from './events.ts';
import { registerFormats } from './formats.ts';
import { compileFastCheck } from './fast-validate.ts';

export interface FieldError {
  /** JSON pointer into the event, e.g. "/components/agent" ("" for the event itself). */
  path: string;
  /** Why it was refused, in words a device developer can act on. */
  reason: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

export type Validator<T> = (value: unknown, checkedForPoison?: boolean) => Validation<T>;

/** Keys that would poison prototypes of objects built from this input; refused wherever they appear. */
const POISON_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_ERRORS = 20;

registerFormats();

/**
 * JSON pointer of the first forbidden key, or undefined. The pointer is built only on a hit: building a
 * path string for every key of every clean event was a third of validation's cost (tools/bench profile).
 */
export function findPoisonKey(value: unknown, depth: number): string | undefined {
  if (depth > 8 || value === null || typeof value !== 'object') return undefined;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (POISON_KEYS.has(key)) return `/${key}`;
    const child = (value as Record<string, unknown>)[key];
    if (child === null || typeof child !== 'object') continue;
    const found = findPoisonKey(child, depth + 1);
    if (found !== undefined) return `/${key}${found}`;
  }
  return undefined;
}

function reasonOf(type: ValueErrorType, message: string, schema: TSchema): string {
  switch (type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      // A map (patternProperties) refuses a key that is not a name; an object, a field it does not have.
      const names = schema.patternProperties ? Object.keys(schema.patternProperties as object)[0] : undefined;
      return names ? `not an allowed name (must match ${names})` : 'unknown field';
    }
    case ValueErrorType.ObjectRequiredProperty: return 'required field is missing';
    case ValueErrorType.StringFormat: return 'not an RFC 3339 date-time between 2000 and 2100';
    case ValueErrorType.ObjectMaxProperties: return `more than ${schema.maxProperties} entries`;
    case ValueErrorType.StringMaxLength: return `longer than ${schema.maxLength} characters`;
    case ValueErrorType.StringPattern: return `does not match ${schema.pattern}`;
    case ValueErrorType.Union: {
      const options = (schema.anyOf as TSchema[] | undefined)?.map((s) => s.const).filter((c) => c !== undefined);
      return options?.length ? `must be one of ${options.join(', ')}` : 'matches none of the allowed shapes';
    }
    default: return message.charAt(0).toLowerCase() + message.slice(1);
  }
}

/**
 * Build a validator for one schema: compiled once, reused for every event. `checkedForPoison` says the
 * caller already walked the value for forbidden keys (an envelope walks its event once, not twice).
 * Valid values take the fast checker (fast-validate.ts: no allocation, forbidden keys refused on the way);
 * anything it refuses takes the full path below, which decides and writes the error report. `fast: false`
 * gives the full path alone (the reference the fast checker is tested against).
 */
export function compileValidator<T>(schema: TSchema, o: { fast?: boolean } = {}): Validator<T> {
  const check: TypeCheck<TSchema> = TypeCompiler.Compile(schema);
  const fast = o.fast === false ? undefined : compileFastCheck(schema);
  return (value: unknown, checkedForPoison = false): Validation<T> => {
    if (fast !== undefined && fast(value)) return { ok: true, value: value as T };
    const poison = checkedForPoison ? undefined : findPoisonKey(value, 0);
    if (poison) return { ok: false, errors: [{ path: poison, reason: 'forbidden key (prototype pollution)' }] };
    if (check.Check(value)) return { ok: true, value: value as T };
    const errors: FieldError[] = [];
    const seen = new Set<string>();
    for (const e of check.Errors(value)) {
      // Unions report one error per branch; the first per path is the useful one.
      if (seen.has(e.path)) continue;
      seen.add(e.path);
      errors.push({ path: e.path, reason: reasonOf(e.type, e.message, e.schema) });
      if (errors.length >= MAX_ERRORS) break;
    }
    return { ok: false, errors };
  };
}

type EventValidators = { [K in EventKind]: Validator<EventOf<K>> };
const eventValidators = (fast: boolean) => Object.fromEntries(
  Object.entries(EventSchemas).map(([kind, schema]) => [kind, compileValidator(schema, { fast })]),
) as EventValidators;
const validators = eventValidators(true);
let fullValidators: EventValidators | undefined;

/** Parse a record value as JSON and validate it: how every topic codec reads. */
export function decodeJson<T>(bytes: Buffer, validate: Validator<T>): Validation<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, errors: [{ path: '', reason: `not JSON: ${(err as Error).message}` }] };
  }
  return validate(parsed);
}

/** Validate one event of a known kind against contract v1 (`fast: false`: without the fast checker). */
export function validateEvent<K extends EventKind>(kind: K, value: unknown, checkedForPoison = false, o: { fast?: boolean } = {}): Validation<EventOf<K>> {
  const v = o.fast === false ? (fullValidators ??= eventValidators(false)) : validators;
  return v[kind](value, checkedForPoison) as Validation<EventOf<K>>;
}

/** "/components/agent: unknown field" */
export function formatFieldError(e: FieldError): string {
  return `${e.path || '/'}: ${e.reason}`;
}
