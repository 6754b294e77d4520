/**
 * application/x-www-form-urlencoded with Stripe's bracket syntax:
 * `metadata[sale]=42&card[number]=4242…&expand[]=x&expand[]=y`.
 * Objects have a null prototype, so keys like `__proto__` are plain data.
 */

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

export class FormError extends Error {
  readonly param: string;
  constructor(message: string, param: string) {
    super(message);
    this.name = 'FormError';
    this.param = param;
  }
}

const MAX_DEPTH = 5;
const MAX_PAIRS = 1000;

function decode(s: string, param: string): string {
  const plus = s.includes('+') ? s.replaceAll('+', ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    throw new FormError(`Invalid URL encoding in the request body near '${s.slice(0, 40)}'.`, param);
  }
}

/** Splits `a[b][]` into ['a', 'b', '']. Throws on unbalanced or trailing characters. */
export function splitKey(key: string): string[] {
  const open = key.indexOf('[');
  if (open === -1) {
    if (key.includes(']')) throw new FormError(`Invalid parameter name: '${key}'.`, key);
    return [key];
  }
  const parts = [key.slice(0, open)];
  let i = open;
  while (i < key.length) {
    if (key[i] !== '[') throw new FormError(`Invalid parameter name: '${key}'.`, key);
    const close = key.indexOf(']', i + 1);
    if (close === -1) throw new FormError(`Invalid parameter name: '${key}' (unbalanced brackets).`, key);
    const seg = key.slice(i + 1, close);
    if (seg.includes('[')) throw new FormError(`Invalid parameter name: '${key}'.`, key);
    parts.push(seg);
    i = close + 1;
  }
  if (parts.length - 1 > MAX_DEPTH) throw new FormError(`Parameter '${key}' is nested too deeply.`, key);
  return parts;
}

function isObject(v: FormValue | undefined): v is FormObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function assign(root: FormObject, parts: string[], value: string, fullKey: string): void {
  let node: FormObject | FormValue[] = root;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const last = i === parts.length - 1;
    const conflict = () => new FormError(`Parameter '${fullKey}' conflicts with another parameter of the same name.`, parts[0]);
    if (Array.isArray(node)) {
      if (part !== '') throw conflict();
      if (last) node.push(value);
      else {
        const next: FormObject | FormValue[] = parts[i + 1] === '' ? [] : Object.create(null);
        node.push(next);
        node = next;
      }
      continue;
    }
    if (part === '' && i === 0) throw new FormError('Invalid parameter name: empty.', fullKey);
    if (part === '') throw conflict();
    const existing: FormValue | undefined = node[part];
    if (last) {
      if (existing !== undefined && typeof existing !== 'string') throw conflict();
      node[part] = value;
      return;
    }
    const wantArray = parts[i + 1] === '';
    if (existing === undefined) {
      const next: FormObject | FormValue[] = wantArray ? [] : Object.create(null);
      node[part] = next;
      node = next;
    } else if (wantArray && Array.isArray(existing)) {
      node = existing;
    } else if (!wantArray && isObject(existing)) {
      node = existing;
    } else {
      throw conflict();
    }
  }
}

/** Parses a form-encoded body (or query string). Throws FormError naming the parameter. */
export function parseForm(body: string): FormObject {
  const root: FormObject = Object.create(null);
  if (body.length === 0) return root;
  const pairs = body.split('&');
  if (pairs.length > MAX_PAIRS) throw new FormError(`Too many parameters (limit ${MAX_PAIRS}).`, '');
  for (const pair of pairs) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decode(rawKey, rawKey);
    const parts = splitKey(key);
    assign(root, parts, decode(rawValue, parts[0]), key);
  }
  return root;
}
