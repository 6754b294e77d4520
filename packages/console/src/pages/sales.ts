import { param } from '../deps.js';
import { absolute, badge, money, truncate, when } from '../format.js';
import { type Html, html, qs } from '../html.js';
import { csrfField, layout, type PageContext } from '../layout.js';
import { SALE_STATES, type SalesSource, type SaleState, type SaleView } from '../sales.js';

export const SALES_PAGE_SIZE = 50;

export interface SalesQuery {
  state: SaleState | null;
  search: string;
  cursor: string;
}

export function parseSalesQuery(q: unknown): SalesQuery | { error: string } {
  const state = param(q, 'state');
  if (state && !(SALE_STATES as readonly string[]).includes(state)) return { error: `Unknown sale state "${state}": one of ${SALE_STATES.join(', ')}.` };
  return { state: (state || null) as SaleState | null, search: param(q, 'search', 200), cursor: param(q, 'cursor', 500) };
}

export async function salesPage(sales: SalesSource, ctx: PageContext, q: SalesQuery, notice: Html | null): Promise<Html> {
  const [counts, page] = await Promise.all([sales.counts(), sales.list({ state: q.state, limit: SALES_PAGE_SIZE, cursor: q.cursor || null, search: q.search || null })]);
  const total = SALE_STATES.reduce((s, k) => s + (counts[k] ?? 0), 0);
  const body = html`<h1>Sales</h1>
<nav class="tabs" aria-label="Sale states">
<a href="${ctx.base}/sales${qs({ search: q.search })}"${q.state === null ? html` aria-current="page"` : ''}>all <span class="count">${total.toLocaleString('en-US')}</span></a>
${SALE_STATES.map(
  (s) =>
    html`<a href="${ctx.base}/sales${qs({ state: s, search: q.search })}"${s === q.state ? html` aria-current="page"` : ''}>${badge(s)} <span class="count">${(counts[s] ?? 0).toLocaleString('en-US')}</span></a>`,
)}</nav>
<form class="filters card" method="get" action="${ctx.base}/sales">
${q.state ? html`<input type="hidden" name="state" value="${q.state}">` : ''}
<label class="grow">Search <input name="search" type="search" value="${q.search}" placeholder="email, sale guid or charge id"></label>
<button type="submit" class="button primary">Search</button>
${q.search ? html`<a class="button" href="${ctx.base}/sales${qs({ state: q.state })}">Clear</a>` : ''}
</form>
<section class="card">
${
  page.sales.length === 0
    ? html`<p class="empty">No sales${q.state ? html` in state ${q.state}` : ''}${q.search ? ' match this search' : ''}.</p>`
    : html`<table class="grid">
<thead><tr><th>Sale</th><th>State</th><th>Product</th><th class="n">Amount</th><th>Email</th><th>Charge</th><th>Error</th><th>Created</th></tr></thead>
<tbody>${page.sales.map(
        (s) => html`<tr>
<td class="mono"><a href="${ctx.base}/sales/${encodeURIComponent(s.guid)}">${truncate(s.guid, 14)}</a></td>
<td>${badge(s.state)}</td>
<td>${s.productName}</td>
<td class="n">${money(s.amount, s.currency)}</td>
<td>${s.email}</td>
<td class="mono">${s.chargeId ?? html`<span class="muted">—</span>`}</td>
<td class="error-peek">${s.errorMessage ? html`<span class="mono">${s.errorCode ? `${s.errorCode}: ` : ''}${truncate(s.errorMessage, 100)}</span>` : html`<span class="muted">—</span>`}</td>
<td>${when(s.createdAt, ctx.now)}</td>
</tr>`,
      )}</tbody></table>`
}
<div class="pager">
${q.cursor ? html`<a class="button" href="${ctx.base}/sales${qs({ state: q.state, search: q.search })}">← First page</a>` : ''}
${page.next ? html`<a class="button" rel="next" href="${ctx.base}/sales${qs({ state: q.state, search: q.search, cursor: page.next })}">Next page →</a>` : ''}
</div>
</section>`;
  return layout(ctx, 'sales', 'Sales', body, notice);
}

export async function salePage(sales: SalesSource, ctx: PageContext, guid: string, notice: Html | null): Promise<Html | null> {
  const s = await sales.get(guid);
  if (!s) return null;
  return layout(ctx, 'sales', `Sale ${s.guid}`, saleBody(ctx, s), notice);
}

function jobLink(ctx: PageContext, id: number | null): Html {
  return id === null ? html`<span class="muted">—</span>` : html`<a class="mono" href="${ctx.base}/jobs/${id}">job #${id}</a>`;
}

function saleBody(ctx: PageContext, s: SaleView): Html {
  return html`<nav class="crumbs"><a href="${ctx.base}/sales">Sales</a> › <a href="${ctx.base}/sales${qs({ state: s.state })}">${s.state}</a> › <span class="mono">${s.guid}</span></nav>
<div class="title-row">
<h1>${s.productName} <span class="muted">${money(s.amount, s.currency)}</span> ${badge(s.state)}</h1>
<div class="actions">${
    s.state === 'finished'
      ? html`<form method="post" action="${ctx.base}/sales/${encodeURIComponent(s.guid)}/refund" data-confirm="Refund ${money(s.amount, s.currency)} to ${s.email}? A refund job is enqueued and runs in the background.">${csrfField(ctx)}<button type="submit" class="button danger">Refund</button></form>`
      : ''
  }</div>
</div>
<section class="card facts">
<dl>
<dt>Sale</dt><dd class="mono">${s.guid}</dd>
<dt>State</dt><dd>${badge(s.state)}</dd>
<dt>Product</dt><dd>${s.productName} <span class="muted mono">${s.productPermalink}</span></dd>
<dt>Amount</dt><dd>${money(s.amount, s.currency)} <span class="muted">(${s.amount} ${s.currency.toLowerCase()} minor units)</span></dd>
<dt>Email</dt><dd>${s.email}</dd>
<dt>Charge id</dt><dd class="mono">${s.chargeId ?? html`<span class="muted">—</span>`}</dd>
<dt>Error</dt><dd>${s.errorMessage ? html`<span class="mono bad">${s.errorCode ? `${s.errorCode}: ` : ''}${s.errorMessage}</span>` : html`<span class="muted">—</span>`}</dd>
<dt>Charge job</dt><dd>${jobLink(ctx, s.chargeJobId)}</dd>
<dt>Refund job</dt><dd>${jobLink(ctx, s.refundJobId)}</dd>
<dt>Created</dt><dd>${when(s.createdAt, ctx.now)} <span class="muted small">${absolute(s.createdAt)}</span></dd>
<dt>Updated</dt><dd>${when(s.updatedAt, ctx.now)} <span class="muted small">${absolute(s.updatedAt)}</span></dd>
</dl>
</section>`;
}
