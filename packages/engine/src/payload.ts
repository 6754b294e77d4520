import { ErrandError } from './errors.js';
import type { Json } from './types.js';

/**
 * A payload type as JSON carries it: `T` itself when every part survives JSON.stringify and
 * JSON.parse unchanged, otherwise `T` with each part that does not (a Date, a function or method,
 * a BigInt, a symbol, a Map or Set, a required field that may be undefined) turned into `never`.
 * Interfaces and type aliases both work, optional fields and nested arrays included. `unknown`
 * and `any` pass: such payloads are checked at run time only (as every payload also is).
 */
export type JsonPayload<T> = unknown extends T
  ? T
  : [T] extends [Json]
    ? T // the common case, and what keeps recursive JSON types from recursing here
    : T extends string | number | boolean | null
      ? T
      : T extends bigint | symbol | Date | ((...args: never[]) => unknown) | ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>
        ? never
        : T extends readonly unknown[]
          ? { [K in keyof T]: JsonPayload<T[K]> }
          : T extends object
            ? { [K in keyof T]: JsonPayload<Exclude<T[K], undefined>> } // an optional field may be absent, not undefined
            : never;

/**
 * Nothing for a payload type JSON carries; otherwise a property the job definition lacks, so
 * `defineJob<{ at: Date }>(…)` fails to compile with this sentence in the message.
 */
export type JsonPayloadCheck<P> = [P] extends [JsonPayload<P>]
  ? unknown
  : { 'the payload type must survive JSON: no Date, function, BigInt, symbol, Map, Set or undefined value (see JsonPayload)': never };

/**
 * Refuse payloads that JSON cannot carry faithfully, naming the field: functions, symbols,
 * BigInts, undefined (at the top level or inside arrays), non-finite numbers, cycles, and
 * objects that are not plain (Map, Set, class instances with a prototype other than Object's —
 * except Date, which we refuse too because it comes back as a string).
 */
export function assertJsonPayload(value: unknown): void {
  if (value === undefined) {
    throw new ErrandError('ERRAND_BAD_PAYLOAD', 'payload is undefined: a job payload must be JSON (use null or {} for none)');
  }
  walk(value, 'payload', new Set());
}

function walk(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
      assertStorableText(value, path);
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) bad(path, `is ${value}, which JSON turns into null`);
      return;
    case 'undefined':
      bad(path, 'is undefined, which JSON drops');
      return;
    case 'bigint':
      bad(path, 'is a BigInt, which JSON cannot represent (send it as a string)');
      return;
    case 'function':
      bad(path, 'is a function, which JSON cannot represent');
      return;
    case 'symbol':
      bad(path, 'is a symbol, which JSON cannot represent');
      return;
  }
  if (value === null) return;
  const obj = value as object;
  if (seen.has(obj)) bad(path, 'is a cycle (refers back to an enclosing object)');
  seen.add(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) walk(obj[i], `${path}[${i}]`, seen);
  } else {
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const kind = obj instanceof Date ? 'a Date (send date.toISOString())' : `a ${proto?.constructor?.name ?? 'non-plain'} object`;
      bad(path, `is ${kind}, which JSON does not round-trip`);
    }
    for (const key of Object.keys(obj)) {
      assertStorableText(key, `${path} key ${JSON.stringify(key)}`);
      const child = (obj as Record<string, unknown>)[key];
      if (child === undefined) bad(`${path}.${key}`, 'is undefined, which JSON drops (omit the key or use null)');
      walk(child, `${path}.${key}`, seen);
    }
  }
  seen.delete(obj);
}

function bad(path: string, why: string): never {
  throw new ErrandError('ERRAND_BAD_PAYLOAD', `${path} ${why}`);
}

const NUL = /\u0000/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text every driver stores and gives back unchanged: no NUL character (PostgreSQL's text and
 * jsonb refuse it) and no lone UTF-16 surrogate (not Unicode: it cannot be encoded as UTF-8).
 */
export function textProblem(text: string): string | null {
  if (NUL.test(text)) return 'contains a NUL character (\\u0000), which the database cannot store';
  if (LONE_SURROGATE.test(text)) return 'contains a lone UTF-16 surrogate, which is not valid Unicode';
  return null;
}

function assertStorableText(text: string, path: string): void {
  const problem = textProblem(text);
  if (problem) bad(path, problem);
}

/**
 * The payload check for another value the engine stores as JSON (a handler's result, a progress
 * report): what is wrong with it, naming the field from `root`, or null when JSON carries it.
 */
export function jsonValueProblem(value: unknown, root: string): string | null {
  try {
    walk(value, root, new Set());
    return null;
  } catch (err) {
    if (err instanceof ErrandError) return err.message;
    throw err;
  }
}
