import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../src/index.js';

describe('constantTimeEqual', () => {
  it('is true for equal inputs only', () => {
    expect(constantTimeEqual('token-abc', 'token-abc')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('token-abc', 'token-abd')).toBe(false);
    expect(constantTimeEqual('Token-abc', 'token-abc')).toBe(false);
  });

  it('answers false, without throwing, for unequal lengths (timingSafeEqual alone throws)', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('abcd', 'abc')).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
    expect(constantTimeEqual('secret', 'secret'.repeat(1000))).toBe(false);
    expect(constantTimeEqual(Buffer.from([1, 2]), Buffer.from([1, 2, 0]))).toBe(false);
  });

  it('compares strings as UTF-8 bytes, and strings with bytes', () => {
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false); // no Unicode normalisation
    expect(constantTimeEqual('é', Buffer.from('é', 'utf8'))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([0xff]), Buffer.from([0xff]))).toBe(true);
    expect(constantTimeEqual(Buffer.from([0xff]), Buffer.from([0xfe]))).toBe(false);
  });
});
