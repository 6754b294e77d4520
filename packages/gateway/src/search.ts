/**
 * The subset of Stripe's search query language the gateway supports on charges and PaymentIntents:
 *   metadata['key']:'value'   status:'succeeded'   currency:'usd'   amount>1000   created<=1700000000
 * clauses joined by AND or by OR (not both, as Stripe requires), `-` negates a clause.
 */
import { invalidRequest } from './errors.js';

/** What can be searched: a charge or a PaymentIntent (fields missing on one never match). */
export interface Searchable {
  id: string;
  metadata: Record<string, string>;
  status: string;
  currency: string;
  description: string | null;
  amount: number;
  created: number;
  amount_refunded?: number;
}

type Predicate = (c: Searchable) => boolean;
type Op = ':' | '>' | '<' | '>=' | '<=';

const STRING_FIELDS = new Set(['status', 'currency', 'id', 'description']);
const NUMBER_FIELDS = new Set(['amount', 'created', 'amount_refunded']);

function fail(message: string): never {
  throw invalidRequest(`Invalid search query: ${message}`, 'query');
}

class Lexer {
  pos = 0;
  constructor(readonly src: string) {}

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos])) this.pos++;
  }
  done(): boolean {
    this.skipSpace();
    return this.pos >= this.src.length;
  }
  peek(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }
  expect(s: string): void {
    if (!this.peek(s)) fail(`expected '${s}' at position ${this.pos}`);
    this.pos += s.length;
  }
  ident(): string {
    const m = /^[a-z_][a-z0-9_]*/i.exec(this.src.slice(this.pos));
    if (!m) fail(`expected a field name at position ${this.pos}`);
    this.pos += m[0].length;
    return m[0];
  }
  quoted(): string {
    const q = this.src[this.pos];
    if (q !== "'" && q !== '"') fail(`expected a quoted string at position ${this.pos}`);
    this.pos++;
    let out = '';
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos++];
      if (ch === '\\' && this.pos < this.src.length) out += this.src[this.pos++];
      else if (ch === q) return out;
      else out += ch;
    }
    fail('unterminated string');
  }
  op(): Op {
    for (const op of ['>=', '<=', ':', '>', '<'] as const) {
      if (this.peek(op)) {
        this.pos += op.length;
        return op;
      }
    }
    fail(`expected ':', '>', '<', '>=' or '<=' at position ${this.pos}`);
  }
  number(): number {
    const m = /^-?\d+/.exec(this.src.slice(this.pos));
    if (!m) fail(`expected a number at position ${this.pos}`);
    this.pos += m[0].length;
    return Number(m[0]);
  }
  keyword(): 'AND' | 'OR' {
    if (this.peek('AND')) {
      this.pos += 3;
      return 'AND';
    }
    if (this.peek('OR')) {
      this.pos += 2;
      return 'OR';
    }
    fail(`expected AND or OR at position ${this.pos}`);
  }
}

function compare(actual: number, op: Op, expected: number): boolean {
  if (op === ':') return actual === expected;
  if (op === '>') return actual > expected;
  if (op === '<') return actual < expected;
  if (op === '>=') return actual >= expected;
  return actual <= expected;
}

function clause(lx: Lexer): Predicate {
  lx.skipSpace();
  const negate = lx.peek('-');
  if (negate) lx.pos++;
  const field = lx.ident();
  let p: Predicate;
  if (field === 'metadata') {
    lx.expect('[');
    const key = lx.quoted();
    lx.expect(']');
    lx.expect(':');
    const value = lx.quoted();
    p = (c) => Object.hasOwn(c.metadata, key) && c.metadata[key] === value;
  } else if (STRING_FIELDS.has(field)) {
    lx.expect(':');
    const value = lx.quoted();
    p = (c) => c[field as 'status' | 'currency' | 'id' | 'description'] === value;
  } else if (NUMBER_FIELDS.has(field)) {
    const op = lx.op();
    const value = lx.number();
    p = (c) => {
      const actual = c[field as 'amount' | 'created' | 'amount_refunded'];
      return actual !== undefined && compare(actual, op, value);
    };
  } else {
    fail(`field '${field}' is not supported (supported: metadata, ${[...STRING_FIELDS, ...NUMBER_FIELDS].join(', ')})`);
  }
  return negate ? (c) => !p(c) : p;
}

/** Compiles a query into a predicate; throws a 400 naming `query` when it is malformed. */
export function compileQuery(query: string): (c: Searchable) => boolean {
  const lx = new Lexer(query);
  if (lx.done()) fail('the query is empty');
  const clauses = [clause(lx)];
  let joiner: 'AND' | 'OR' | null = null;
  while (!lx.done()) {
    const before = lx.pos;
    const kw = lx.keyword();
    if (lx.pos - before > 0 && !/\s/.test(lx.src[before - 1] ?? ' ')) fail(`expected whitespace before ${kw}`);
    if (joiner && joiner !== kw) fail('AND and OR cannot be combined in one query');
    joiner = kw;
    clauses.push(clause(lx));
  }
  if (joiner === 'OR') return (c) => clauses.some((p) => p(c));
  return (c) => clauses.every((p) => p(c));
}
