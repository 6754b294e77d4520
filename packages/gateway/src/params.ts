/** Typed reads of form parameters, failing with Stripe's 400 errors that name the parameter. */
import { invalidRequest, missingParam, unknownParam } from './errors.js';
import type { FormObject, FormValue } from './form.js';

/** Rejects parameters the endpoint does not know, as Stripe does. */
export function onlyKnown(form: FormObject, known: ReadonlySet<string>): void {
  for (const key in form) if (!known.has(key)) throw unknownParam(key);
}

export function optString(form: FormObject, name: string, maxLength = 5000): string | undefined {
  const v: FormValue | undefined = form[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw invalidRequest(`Invalid string: ${name} must be a string, not an object or array.`, name, 'parameter_invalid_string');
  if (v.length > maxLength) throw invalidRequest(`Invalid string: ${name} must be at most ${maxLength} characters.`, name, 'parameter_invalid_string_too_long');
  return v;
}

export function reqString(form: FormObject, name: string, maxLength?: number): string {
  const v = optString(form, name, maxLength);
  if (v === undefined || v === '') throw missingParam(name);
  return v;
}

const INTEGER = /^-?\d+$/;

/** A positive integer parameter (Stripe's `amount` rules). */
export function optPositiveInt(form: FormObject, name: string): number | undefined {
  const v: FormValue | undefined = form[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string' || !INTEGER.test(v.trim())) {
    throw invalidRequest(`Invalid integer: ${typeof v === 'string' ? v : '[object]'}`, name, 'parameter_invalid_integer');
  }
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n)) throw invalidRequest(`Invalid integer: ${v}`, name, 'parameter_invalid_integer');
  if (n < 1) throw invalidRequest('Invalid positive integer', name, 'parameter_invalid_integer');
  return n;
}

export function reqPositiveInt(form: FormObject, name: string): number {
  const v = optPositiveInt(form, name);
  if (v === undefined) throw missingParam(name);
  return v;
}

/** Stripe's `limit`: an integer 1..100, default 10. */
export function limitParam(form: FormObject): number {
  const v = form['limit'];
  if (v === undefined) return 10;
  if (typeof v !== 'string' || !INTEGER.test(v)) throw invalidRequest(`Invalid integer: ${String(v)}`, 'limit', 'parameter_invalid_integer');
  const n = Number(v);
  if (n < 1 || n > 100) throw invalidRequest('This value must be between 1 and 100 (inclusive).', 'limit', 'parameter_invalid_integer');
  return n;
}

/** `metadata[key]=value`: at most 50 keys, key ≤ 40 chars, value ≤ 500 chars; empty values are dropped. */
export function metadataParam(form: FormObject): Record<string, string> {
  const v = form['metadata'];
  const out: Record<string, string> = {};
  if (v === undefined || v === '') return out;
  if (typeof v === 'string' || Array.isArray(v)) throw invalidRequest('Invalid object: metadata must be a hash of keys to strings.', 'metadata', 'parameter_invalid_object');
  const keys = Object.keys(v);
  if (keys.length > 50) throw invalidRequest('Metadata can have at most 50 keys.', 'metadata');
  for (const key of keys) {
    const value = v[key];
    const param = `metadata[${key}]`;
    if (typeof value !== 'string') throw invalidRequest(`Invalid string: ${param} must be a string.`, param, 'parameter_invalid_string');
    if (key.length === 0 || key.length > 40) throw invalidRequest('Metadata keys must be 1 to 40 characters long.', param);
    if (value.length > 500) throw invalidRequest('Metadata values can be at most 500 characters long.', param);
    if (value !== '') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** `true`/`false` as Stripe's SDKs send them. */
export function optBoolean(form: FormObject, name: string): boolean | undefined {
  const v = form[name];
  if (v === undefined) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw invalidRequest(`Invalid boolean: ${typeof v === 'string' ? v : '[object]'}`, name, 'parameter_invalid_boolean');
}

export function objectParam(form: FormObject, name: string): FormObject | undefined {
  const v = form[name];
  if (v === undefined) return undefined;
  if (typeof v === 'string' || Array.isArray(v)) throw invalidRequest(`Invalid object: ${name} must be a hash.`, name, 'parameter_invalid_object');
  return v;
}
