// Allocation-free boolean checkers for the contract's TypeBox schemas: the accept path of compileValidator.
// TypeBox's compiled Check allocates on every call (Object.entries(...).every, getOwnPropertyNames(...).every
// with an array literal), runs one regex per identifier, and still needs a separate walk for forbidden keys;
// together that was the largest cost of a backtest. This compiles the JSON-Schema subset the contract uses
// into straight-line JS (built with new Function, as TypeBox does): identifier patterns become 128-entry
// tables, unknown keys are found by counting keys with for-in, and forbidden keys are refused on the way.
//
// Promise: check(v) === true implies TypeBox Check(v) and no forbidden key at any depth, for JSON data
// (what JSON.parse and object literals make: own, enumerable data properties). It may refuse more (other
// prototypes, very deep values): the caller then asks TypeBox, which decides and reports. A schema feature
// not handled here makes compileFastCheck return undefined.
import { Kind, type TSchema } from '@sinclair/typebox';
import { timestampMs } from './formats.ts';

export type FastCheck = (value: unknown) => boolean;

/** Deeper Unknown values are refused here (the caller's full path then decides); JSON is rarely deeper. */
const MAX_DEPTH = 64;
const IGNORED = ['description', 'title', '$id', '$comment', 'examples', 'default'];
const KEYWORDS: Record<string, string[]> = {
  String: ['type', 'minLength', 'maxLength', 'pattern', 'format'],
  Integer: ['type', 'minimum', 'maximum'],
  Literal: ['type', 'const'],
  Union: ['anyOf'],
  Unknown: [],
  Object: ['type', 'properties', 'required', 'additionalProperties'],
  Record: ['type', 'patternProperties', 'additionalProperties', 'maxProperties'],
};
const POISON_TEST = `key === '__proto__' || key === 'constructor' || key === 'prototype'`;

/** No forbidden key in v at any depth; false also for anything JSON.parse does not make, or too deep. */
function noPoison(v: unknown, depth: number): boolean {
  return typeof v !== 'object' || v === null || noPoisonIn(v, depth);
}

function noPoisonIn(v: object, depth: number): boolean {
  if (depth >= MAX_DEPTH) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const child: unknown = v[i];
      if (typeof child === 'object' && child !== null && !noPoisonIn(child, depth + 1)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const key in v) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return false;
    const child: unknown = (v as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && !noPoisonIn(child, depth + 1)) return false;
  }
  return true;
}

/** A valid RFC 3339 instant; timestampMs remembers the last two strings (receivedAt, eventAt; sentAt often matches). */
function isTimestamp(s: string): boolean {
  return !Number.isNaN(timestampMs(s));
}

/** One class of a pattern, `[a-z0-9_\-]` from index i: its ASCII codes and the index after it. */
function parseClass(p: string, i: number): [number[], number] | undefined {
  if (p[i] !== '[' || p[i + 1] === '^') return undefined;
  i++;
  const atom = (): number | undefined => {
    const c = p.charCodeAt(i);
    if (p[i] === '\\') { // only escaped punctuation: \d, \w, \b, \u... mean something else in a class
      const e = p.charCodeAt(i + 1);
      if (!(e > 32 && e < 127) || /[A-Za-z0-9]/.test(p[i + 1])) return undefined;
      i += 2;
      return e;
    }
    if (!(c >= 32 && c < 127) || p[i] === ']' || p[i] === '[') return undefined;
    i++;
    return c;
  };
  const codes: number[] = [];
  while (p[i] !== ']') {
    const lo = atom();
    if (lo === undefined) return undefined;
    let hi = lo;
    if (p[i] === '-' && p[i + 1] !== ']') {
      i++;
      const h = atom();
      if (h === undefined || h < lo) return undefined;
      hi = h;
    }
    for (let c = lo; c <= hi; c++) codes.push(c);
  }
  return [codes, i + 1];
}

interface PatternTable {
  bits: Uint8Array;
  maxLength: number;
}

const tables = new Map<string, PatternTable | undefined>();

/** Code units beyond Latin-1 worth a look: line and paragraph separators, surrogates, BOM, case-folding oddities. */
const SAMPLES = [0x2028, 0x2029, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfeff, 0xfffe, 0xffff, 0x212a, 0x017f];

/**
 * The table decides each code unit alone, and after a valid first one, as the RegExp does. Only ASCII gets
 * into a table and the RegExp has no flags, so no other code unit can match; the samples check that too.
 */
function agrees(table: Uint8Array, re: RegExp): boolean {
  const starter = table.findIndex((bits) => (bits & 1) === 1);
  const units = [...Array.from({ length: 0x300 }, (_, c) => c), ...SAMPLES];
  return units.every((c) => {
    const ch = String.fromCharCode(c);
    const bits = c < 128 ? table[c] : 0;
    return re.test(ch) === ((bits & 1) === 1)
      && (starter < 0 || re.test(String.fromCharCode(starter) + ch) === ((bits & 2) === 2));
  });
}

/**
 * `^[first][rest]*$` or `^[first][rest]{0,N}$` as a table (bit 1: may start, bit 2: may follow) and the
 * longest match (1 + N), or undefined for any other pattern. The table is checked against the RegExp
 * (agrees, and at the length bound), so a parsing slip falls back to the RegExp.
 */
export function patternTable(pattern: string): PatternTable | undefined {
  if (tables.has(pattern)) return tables.get(pattern);
  let table: PatternTable | undefined;
  const first = pattern[0] === '^' ? parseClass(pattern, 1) : undefined;
  const rest = first && parseClass(pattern, first[1]);
  const bound = rest && /^(?:\*|\{0,(\d{1,4})\})\$$/.exec(pattern.slice(rest[1]));
  if (first && rest && bound) {
    const bits = new Uint8Array(128);
    for (const c of first[0]) bits[c] |= 1;
    for (const c of rest[0]) bits[c] |= 2;
    const maxLength = bound[1] === undefined ? Number.POSITIVE_INFINITY : 1 + Number(bound[1]);
    table = agrees(bits, new RegExp(pattern)) && boundAgrees(first[0][0], rest[0][0], maxLength, new RegExp(pattern)) ? { bits, maxLength } : undefined;
  }
  tables.set(pattern, table);
  return table;
}

/** The RegExp takes a match of exactly the longest length and refuses one a unit longer. */
function boundAgrees(start: number, follow: number, maxLength: number, re: RegExp): boolean {
  if (maxLength === Number.POSITIVE_INFINITY) return true;
  const longest = String.fromCharCode(start) + String.fromCharCode(follow).repeat(maxLength - 1);
  return re.test(longest) && !re.test(longest + String.fromCharCode(follow));
}

/**
 * Compile a schema to a fast checker, or undefined if it uses anything this file does not handle.
 * `use`: checkers to call for some sub-schemas (by identity) instead of compiling them; each must keep
 * this file's promise for its sub-schema (e.g. a compiled checker of it, with its answer remembered).
 */
export function compileFastCheck(schema: TSchema, use?: ReadonlyMap<TSchema, FastCheck>): FastCheck | undefined {
  const refs: unknown[] = [];
  const functions: string[] = [];
  const ref = (value: unknown): string => {
    const i = refs.indexOf(value);
    return `r${i >= 0 ? i : refs.push(value) - 1}`;
  };
  const supported = (s: TSchema): boolean => typeof s === 'object' && s !== null && typeof s[Kind] === 'string'
    && Object.hasOwn(KEYWORDS, s[Kind]) && Object.keys(s).every((k) => KEYWORDS[s[Kind]].includes(k) || IGNORED.includes(k));
  const num = (s: TSchema, key: string): boolean => s[key] === undefined || Number.isFinite(s[key]);

  /** A JS expression that is true when the value in variable x is valid at this depth; undefined if unsupported. */
  function expr(s: TSchema, x: string, depth: number): string | undefined {
    const given = use?.get(s);
    if (given) return `${ref(given)}(${x})`;
    if (!supported(s)) return undefined;
    switch (s[Kind]) {
      case 'Unknown': return `${ref(noPoison)}(${x}, ${depth})`;
      case 'Literal': return typeof s.const === 'string' || typeof s.const === 'boolean' || Number.isFinite(s.const) ? `${x} === ${JSON.stringify(s.const)}` : undefined;
      case 'Union': {
        const options = Array.isArray(s.anyOf) && s.anyOf.every((o: TSchema) => supported(o) && o[Kind] === 'Literal')
          ? s.anyOf.map((o: TSchema) => expr(o, x, depth)) : [];
        return options.length > 0 && !options.includes(undefined) ? `(${options.join(' || ')})` : undefined;
      }
      case 'Integer': {
        if (!num(s, 'minimum') || !num(s, 'maximum')) return undefined;
        return [`Number.isInteger(${x})`, s.maximum !== undefined && `${x} <= ${s.maximum}`, s.minimum !== undefined && `${x} >= ${s.minimum}`]
          .filter(Boolean).join(' && ');
      }
      case 'String': return stringExpr(s, x);
      case 'Object':
      case 'Record': {
        const name = s[Kind] === 'Object' ? objectFunction(s, depth) : recordFunction(s, depth);
        return name && `${name}(${x})`;
      }
    }
    return undefined;
  }

  function stringExpr(s: TSchema, x: string): string | undefined {
    if (!num(s, 'minLength') || !num(s, 'maxLength') || (s.format !== undefined && s.format !== 'date-time')) return undefined;
    if (s.pattern !== undefined && typeof s.pattern !== 'string') return undefined;
    const parts = [`typeof ${x} === 'string'`];
    if (s.maxLength !== undefined) parts.push(`${x}.length <= ${s.maxLength}`);
    if (s.minLength !== undefined) parts.push(`${x}.length >= ${s.minLength}`);
    if (s.pattern !== undefined) parts.push(patternTest(s.pattern, x));
    if (s.format === 'date-time') parts.push(`${ref(isTimestamp)}(${x})`);
    return parts.join(' && ');
  }

  const regExps = new Map<string, RegExp>();
  const regExp = (pattern: string): RegExp => regExps.get(pattern) ?? regExps.set(pattern, new RegExp(pattern)).get(pattern)!;
  const patternFunctions = new Map<string, string>();
  function patternTest(pattern: string, x: string): string {
    const table = patternTable(pattern);
    if (!table) return `${ref(regExp(pattern))}.test(${x})`;
    let name = patternFunctions.get(pattern);
    if (!name) {
      name = `t${patternFunctions.size}`;
      patternFunctions.set(pattern, name);
      const t = ref(table.bits);
      const tooLong = table.maxLength === Number.POSITIVE_INFINITY ? '' : ` || n > ${table.maxLength}`;
      functions.push(`function ${name}(s) {
  const n = s.length;
  if (n === 0${tooLong}) return false;
  let c = s.charCodeAt(0);
  if (c > 127 || (${t}[c] & 1) === 0) return false;
  for (let i = 1; i < n; i++) { c = s.charCodeAt(i); if (c > 127 || (${t}[c] & 2) === 0) return false; }
  return true;
}`);
    }
    return `${name}(${x})`;
  }

  const plainObject = (v: string) => `if (typeof ${v} !== 'object' || ${v} === null || Object.getPrototypeOf(${v}) !== ${ref(Object.prototype)}) return false;`;

  function objectFunction(s: TSchema, depth: number): string | undefined {
    const props = s.properties as Record<string, TSchema> | undefined;
    const required: unknown[] = s.required ?? [];
    if (typeof props !== 'object' || props === null || !Array.isArray(required) || !required.every((k) => typeof k === 'string' && Object.hasOwn(props, k))) return undefined;
    if (s.additionalProperties !== undefined && s.additionalProperties !== false) return undefined;
    const closed = s.additionalProperties === false;
    const lines = [plainObject('v'), `let n = ${required.length};`];
    for (const [i, key] of Object.keys(props).entries()) {
      if (key in Object.prototype) return undefined; // would read an inherited value (constructor, __proto__, toString...)
      const check = expr(props[key], `a${i}`, depth + 1);
      if (check === undefined) return undefined;
      lines.push(`const a${i} = v[${JSON.stringify(key)}];`);
      lines.push(required.includes(key)
        ? `if (a${i} === undefined || !(${check})) return false;`
        : `if (a${i} !== undefined) { if (!(${check})) return false; n++; }`);
    }
    // Closed: every key is a known one (so none is forbidden) when there are as many keys as known ones present.
    if (closed) lines.push('let k = 0;', 'for (const key in v) k++;', 'return k === n;');
    else lines.push(`for (const key in v) if (${POISON_TEST} || !${ref(noPoison)}(v[key], ${depth + 1})) return false;`, 'return true;');
    return define(lines);
  }

  function recordFunction(s: TSchema, depth: number): string | undefined {
    const entries = typeof s.patternProperties === 'object' && s.patternProperties !== null ? Object.entries(s.patternProperties) : [];
    if (entries.length !== 1 || !num(s, 'maxProperties') || (s.additionalProperties !== undefined && s.additionalProperties !== false)) return undefined;
    const [keyPattern, valueSchema] = entries[0] as [string, TSchema];
    const check = expr(valueSchema, 'x', depth + 1);
    if (check === undefined) return undefined;
    // TypeBox: a key that does not match is refused if additionalProperties is false, else its value is not checked.
    const otherKey = s.additionalProperties === false ? 'return false;' : `if (!${ref(noPoison)}(x, ${depth + 1})) return false;`;
    return define([
      plainObject('v'),
      'let k = 0;',
      'for (const key in v) {',
      s.maxProperties !== undefined ? `  if (++k > ${s.maxProperties}) return false;` : '',
      `  if (${POISON_TEST}) return false;`,
      '  const x = v[key];',
      `  if (${patternTest(keyPattern, 'key')}) { if (!(${check})) return false; } else ${otherKey}`,
      '}',
      'return true;',
    ]);
  }

  const bodies = new Map<string, string>();
  function define(lines: string[]): string {
    const body = lines.filter(Boolean).map((l) => `  ${l}`).join('\n');
    let name = bodies.get(body);
    if (!name) {
      name = `f${bodies.size}`;
      bodies.set(body, name);
      functions.push(`function ${name}(v) {\n${body}\n}`);
    }
    return name;
  }

  const top = expr(schema, 'value', 0);
  if (top === undefined) return undefined;
  const source = [
    ...refs.map((_, i) => `const r${i} = refs[${i}];`),
    ...functions,
    `return function fastCheck(value) { return ${top}; };`,
  ].join('\n');
  return new Function('refs', source)(refs) as FastCheck;
}
