/**
 * Compares an object's fields with Stripe's own example object of its type
 * (test/fixtures/stripe-fields.json, copied from stripe/openapi openapi/fixtures3.json).
 */
import { readFileSync } from 'node:fs';

type JsonType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';
const FIELDS: Record<string, Record<string, JsonType>> = JSON.parse(readFileSync(new URL('./fixtures/stripe-fields.json', import.meta.url), 'utf8'));

const typeOf = (v: unknown): JsonType => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as JsonType));

export function stripeFieldNames(kind: string): string[] {
  const fields = FIELDS[kind];
  if (!fields) throw new Error(`no Stripe field list for ${kind}`);
  return Object.keys(fields).sort();
}

/**
 * Problems with `value` as a Stripe `kind` (empty when none): fields missing or extra, or of
 * another JSON type than Stripe's example (null is always allowed; Stripe's null allows any type).
 * With `exact` false, extra fields are allowed (sub-objects Stripe documents more of).
 */
export function fieldProblems(kind: string, value: unknown, exact = true): string[] {
  const expected = FIELDS[kind];
  if (!expected) throw new Error(`no Stripe field list for ${kind}`);
  if (typeOf(value) !== 'object') return [`${kind} is ${typeOf(value)}, not an object`];
  const obj = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const [field, type] of Object.entries(expected)) {
    if (!(field in obj)) problems.push(`${kind}.${field} is missing`);
    else if (type !== 'null' && obj[field] !== null && typeOf(obj[field]) !== type) {
      problems.push(`${kind}.${field} is ${typeOf(obj[field])}, Stripe's is ${type}`);
    }
  }
  if (exact) for (const field of Object.keys(obj)) if (!(field in expected)) problems.push(`${kind}.${field} is not one of Stripe's fields`);
  return problems;
}

/** How many of Stripe's fields `value` has. */
export function coverage(kind: string, value: Record<string, unknown>): string {
  const names = stripeFieldNames(kind);
  return `${names.filter((n) => n in value).length}/${names.length}`;
}
