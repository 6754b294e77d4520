import { describe, expect, it } from 'vitest';
import { FormError, parseForm } from '../src/form.js';
import { compileQuery } from '../src/search.js';

describe('form bracket parser', () => {
  it('parses flat, nested and array parameters', () => {
    const f = parseForm('amount=1000&currency=usd&metadata[sale_guid]=abc-1&card[number]=4242+4242&expand[]=a&expand[]=b&x=%26%3D');
    expect(f.amount).toBe('1000');
    expect(f.metadata).toEqual({ sale_guid: 'abc-1' });
    expect(f.card).toEqual({ number: '4242 4242' });
    expect(f.expand).toEqual(['a', 'b']);
    expect(f.x).toBe('&=');
  });

  it('decodes percent-encoded brackets in keys', () => {
    expect(parseForm('metadata%5Bk%5D=v').metadata).toEqual({ k: 'v' });
  });

  it('keeps __proto__ and constructor as plain data', () => {
    const f = parseForm('metadata[__proto__]=x&metadata[constructor]=y');
    expect(Object.keys(f.metadata as object)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([
    ['metadata[a=1', 'metadata[a'],
    ['a]=1', 'a]'],
    ['a[b]c=1', 'a[b]c'],
    ['amount=1&amount[x]=2', 'amount'],
    ['amount[x]=2&amount=1', 'amount'],
    ['bad=%zz', 'bad'],
    ['=1', ''],
  ])('rejects %s naming the parameter', (body, param) => {
    let error: unknown;
    try {
      parseForm(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormError);
    expect((error as FormError).param).toBe(param);
  });
});

describe('search query', () => {
  const charge = (metadata: Record<string, string>, status = 'succeeded', amount = 1000) => ({ metadata, status, amount, currency: 'usd' }) as never;

  it('matches metadata, status and amount clauses with AND / OR / negation', () => {
    const a = charge({ sale: 's1' });
    const b = charge({ sale: 's2' }, 'failed', 50);
    expect(compileQuery("metadata['sale']:'s1'")(a)).toBe(true);
    expect(compileQuery('metadata["sale"]:"s1"')(b)).toBe(false);
    expect(compileQuery("metadata['sale']:'s2' AND status:'failed'")(b)).toBe(true);
    expect(compileQuery("status:'failed' OR amount>500")(a)).toBe(true);
    expect(compileQuery("-status:'failed'")(b)).toBe(false);
    expect(compileQuery('amount<=50')(b)).toBe(true);
  });

  it.each([
    '',
    "metadata['sale']",
    "metadata[sale]:'x'",
    "metadata['sale']:'x",
    "status:'a' AND status:'b' OR status:'c'",
    "nope:'x'",
    "status:'a' XOR status:'b'",
  ])('rejects %j with a 400 naming query', (q) => {
    let error: any;
    try {
      compileQuery(q);
    } catch (e) {
      error = e;
    }
    expect(error?.status).toBe(400);
    expect(error?.body.param).toBe('query');
  });
});
