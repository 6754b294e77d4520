import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, Html, html, isHtml, qs, raw } from '../src/index.js';

const DANGEROUS: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** What a browser's HTML parser makes of our entities (only the ones we emit). */
function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#96);/g, (e) => Object.entries(DANGEROUS).find(([, v]) => v === e)![0]);
}

describe('escapeHtml', () => {
  it('escapes every character that can end text or a quoted attribute', () => {
    for (const [c, entity] of Object.entries(DANGEROUS)) expect(escapeHtml(`a${c}b`)).toBe(`a${entity}b`);
    expect(escapeHtml('&amp;')).toBe('&amp;amp;'); // entities in data are data: escaped again
    expect(escapeHtml('plain text, é ✓ = / ;')).toBe('plain text, é ✓ = / ;');
  });

  it('leaves no dangerous character and loses nothing, for any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        const e = escapeHtml(s);
        expect(e).not.toMatch(/[<>"'`]/);
        expect(e).not.toMatch(/&(?!amp;|lt;|gt;|quot;|#39;|#96;)/);
        expect(decodeEntities(e)).toBe(s);
      }),
    );
  });
});

describe('html``', () => {
  const evil = `<script>alert(1)</script>"><img src=x onerror=alert(2)>'\`&`;
  const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;&#96;&amp;';

  it('escapes interpolations in text', () => {
    expect(html`<p>${evil}</p>`.value).toBe(`<p>${escaped}</p>`);
  });

  it('keeps a value inside its double-quoted, single-quoted or backtick-delimited attribute', () => {
    expect(html`<a title="${'" onmouseover="alert(1)'}">`.value).toBe('<a title="&quot; onmouseover=&quot;alert(1)">');
    expect(html`<a title='${"' onmouseover='alert(1)"}'>`.value).toBe(`<a title='&#39; onmouseover=&#39;alert(1)'>`);
    // Old IE ended attributes on a backtick too.
    expect(html`<a title="${'` onmouseover=alert(1)'}">`.value).toBe('<a title="&#96; onmouseover=alert(1)">');
    expect(html`<input value="${evil}">`.value).toBe(`<input value="${escaped}">`);
  });

  it('does not escape nested Html or raw(); renders arrays, skips null/undefined/false, prints 0, true and bigints', () => {
    expect(html`${[html`<b>${'<i>'}</b>`, raw('<hr>'), null, undefined, false, 3]}`.value).toBe('<b>&lt;i&gt;</b><hr>3');
    expect(html`${0} ${true} ${10n} ${''}`.value).toBe('0 true 10 ');
    expect(html`${[[html`<i>`, ['<']]]}`.value).toBe('<i>&lt;');
    expect(String(html`<p>${'&'}</p>`)).toBe('<p>&amp;</p>');
  });

  it("recognises another copy's Html (the console's dist/web and the shop's @errand/web are two modules in production)", async () => {
    // The same source loaded a second time is a second module with its own Html class.
    const second = '../src/html.js?second-copy';
    const other = (await import(/* @vite-ignore */ second)) as typeof import('../src/html.js');
    expect(other.Html).not.toBe(Html);
    const foreign = other.html`<b>${'<x>'}</b>`;
    expect(foreign instanceof Html).toBe(false);
    expect(isHtml(foreign)).toBe(true);
    expect(html`<p>${foreign}</p>`.value).toBe('<p><b>&lt;x&gt;</b></p>');
    expect(other.html`<p>${html`<i>`}</p>`.value).toBe('<p><i></p>');
  });

  it('does not trust look-alikes: a plain object with a value is text', () => {
    const fake = { value: '<script>' } as unknown as Html;
    expect(isHtml(fake)).toBe(false);
    expect(isHtml(JSON.parse('{"value":"<script>"}'))).toBe(false);
    expect(html`${fake}`.value).toBe('[object Object]');
  });
});

describe('qs', () => {
  it('builds a query string from non-empty entries, escaped when interpolated', () => {
    expect(qs({ a: 'x y', b: null, c: undefined, d: '', e: 0 })).toBe('?a=x+y&e=0');
    expect(qs({})).toBe('');
    expect(html`<a href="/jobs${qs({ q: '"><&' })}">`.value).toBe('<a href="/jobs?q=%22%3E%3C%26">');
  });
});
