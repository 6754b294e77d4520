import { describe, expect, it } from 'vitest';
import { isForeignOrigin } from '../src/index.js';

describe('isForeignOrigin', () => {
  it('accepts a request without Origin (the CSRF token decides)', () => {
    expect(isForeignOrigin(undefined, 'shop.example')).toBe(false);
    expect(isForeignOrigin('', 'shop.example')).toBe(false);
    expect(isForeignOrigin(undefined, undefined)).toBe(false);
  });

  it('accepts our own origin, normalised: default ports, case, IPv6', () => {
    expect(isForeignOrigin('http://localhost:3000', 'localhost:3000')).toBe(false);
    expect(isForeignOrigin('http://localhost:80', 'localhost:80')).toBe(false);
    expect(isForeignOrigin('http://localhost:80', 'localhost')).toBe(false);
    expect(isForeignOrigin('http://localhost', 'localhost:80')).toBe(false);
    expect(isForeignOrigin('https://shop.example', 'shop.example:443')).toBe(false);
    expect(isForeignOrigin('https://Shop.Example', 'shop.example')).toBe(false);
    expect(isForeignOrigin('https://shop.example', 'SHOP.example')).toBe(false);
    expect(isForeignOrigin('http://[::1]:3000', '[::1]:3000')).toBe(false);
    // The scheme is not compared (a TLS-terminating proxy hides it from the server).
    expect(isForeignOrigin('http://shop.example', 'shop.example')).toBe(false);
  });

  it('rejects other sites, look-alikes and other ports', () => {
    expect(isForeignOrigin('https://evil.example', 'shop.example')).toBe(true);
    expect(isForeignOrigin('https://shop.example.evil.example', 'shop.example')).toBe(true);
    expect(isForeignOrigin('https://evil-shop.example', 'shop.example')).toBe(true);
    expect(isForeignOrigin('https://a.shop.example', 'shop.example')).toBe(true);
    expect(isForeignOrigin('https://shop.example@evil.example', 'shop.example')).toBe(true);
    expect(isForeignOrigin('http://localhost:3001', 'localhost:3000')).toBe(true);
    expect(isForeignOrigin('http://shop.example', 'shop.example:443')).toBe(true); // :443 is not http's default
    expect(isForeignOrigin('https://shop.example:8443', 'shop.example')).toBe(true);
  });

  it('rejects Origin: null, malformed or repeated Origins, and an Origin with no Host to compare', () => {
    expect(isForeignOrigin('null', 'shop.example')).toBe(true);
    expect(isForeignOrigin('not a url', 'shop.example')).toBe(true);
    expect(isForeignOrigin('shop.example', 'shop.example')).toBe(true); // no scheme: not an origin
    expect(isForeignOrigin('https://shop.example, https://evil.example', 'shop.example')).toBe(true);
    expect(isForeignOrigin('https://shop.example', undefined)).toBe(true);
    expect(isForeignOrigin('https://shop.example', '')).toBe(true);
  });
});
