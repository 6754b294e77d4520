/**
 * Escape-by-default HTML. `html\`<p>${value}</p>\`` escapes every interpolation unless it is
 * already Html (from another html`` or from raw()). Arrays are joined, null/undefined/false
 * render as nothing. Payloads and errors come from users and from outside: never build markup
 * by concatenating strings anywhere else.
 *
 * Where an interpolation is safe: element text, and attribute values in double or single
 * quotes (`"`, `'` and the backtick are escaped, so a value cannot close its attribute). Not
 * safe, whatever the escaping: unquoted attribute values, the inside of <script> or <style>,
 * event-handler attributes, and URLs whose scheme comes from outside (`javascript:` survives
 * escaping): check those before they get here.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/**
 * The console bundles its own compiled copy of this package (dist/web) and the shop loads
 * another, so in production one process can hold two Html classes. A registered symbol on the
 * prototype lets either copy recognise the other's markup, where `instanceof` alone would
 * escape it a second time. It is not in the class's type, so the two copies' types stay
 * compatible. Data cannot forge it (JSON and form bodies carry no symbols).
 */
const HTML_BRAND = Symbol.for('errand.web.html');
Object.defineProperty(Html.prototype, HTML_BRAND, { value: true });

export function isHtml(v: unknown): v is Html {
  if (v instanceof Html) return true;
  return typeof v === 'object' && v !== null && (v as { [HTML_BRAND]?: unknown })[HTML_BRAND] === true && typeof (v as Html).value === 'string';
}

export type Renderable = Html | string | number | bigint | boolean | null | undefined | Renderable[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(s: string): string {
  return String(s).replace(/[&<>"'`]/g, (c) => ESCAPES[c]);
}

/** Mark trusted markup as HTML. Only for constants and the output of html``. */
export function raw(s: string): Html {
  return new Html(s);
}

function render(v: Renderable): string {
  if (isHtml(v)) return v.value;
  if (v === null || v === undefined || v === false) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Renderable[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** A query string from the non-empty entries (escaped by html`` when interpolated). */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}
