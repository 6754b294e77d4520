/** The Sales pages of the shop's console section: the list (by state, search, keyset pages) and one sale. */
import { absolute, csrfField, type Html, html, type PageContext, param, qs, type Tone, tag, truncate, when } from '@errand/console';
import type { SalesSource, SaleView, WebhookEventView } from '../sales/admin-source.js';
import { SALE_STATES, type SaleState } from '../sales/states.js';
import { formatMoney } from '@errand/web';

export const SALES_PAGE_SIZE = 50;

const TONE: Record<SaleState, Tone> = { pending: 'neutral', processing: 'neutral', finished: 'ok', errored: 'bad', refunded: 'accent' };

export const stateTag = (state: SaleState): Html => tag(state, TONE[state]);
const disputedTag = (s: SaleView): Html | string => (s.disputed ? html` ${tag('disputed', 'bad')}` : '');
const THREE_DS_TONE: Record<NonNullable<SaleView['threeDSecure']>, Tone> = { required: 'neutral', authenticated: 'ok', failed: 'bad', abandoned: 'bad' };
const threeDSecure = (s: SaleView): Html => (s.threeDSecure ? tag(s.threeDSecure, THREE_DS_TONE[s.threeDSecure]) : html`<span class="muted">not asked</span>`);
const dash = html`<span class="muted">—</span>`;

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

/** The list's body (the section puts it in the console's layout). */
export async function salesBody(sales: SalesSource, ctx: PageContext, q: SalesQuery): Promise<Html> {
  const [counts, page] = await Promise.all([sales.counts(), sales.list({ state: q.state, limit: SALES_PAGE_SIZE, cursor: q.cursor || null, search: q.search || null })]);
  const total = SALE_STATES.reduce((s, k) => s + (counts[k] ?? 0), 0);
  return html`<h1>Sales</h1>
<nav class="tabs" aria-label="Sale states">
<a href="${ctx.base}/sales${qs({ search: q.search })}"${q.state === null ? html` aria-current="page"` : ''}>all <span class="count">${total.toLocaleString('en-US')}</span></a>
${SALE_STATES.map(
  (s) =>
    html`<a href="${ctx.base}/sales${qs({ state: s, search: q.search })}"${s === q.state ? html` aria-current="page"` : ''}>${stateTag(s)} <span class="count">${(counts[s] ?? 0).toLocaleString('en-US')}</span></a>`,
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
<td>${stateTag(s.state)}${disputedTag(s)}</td>
<td>${s.productName}</td>
<td class="n">${formatMoney(s.amount, s.currency)}</td>
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
}

function jobLink(ctx: PageContext, id: number | null): Html {
  return id === null ? html`<span class="muted">—</span>` : html`<a class="mono" href="${ctx.base}/jobs/${id}">job #${id}</a>`;
}

function eventsCard(ctx: PageContext, events: WebhookEventView[]): Html {
  return html`<section class="card">
<h2>Webhook events</h2>
${
  events.length === 0
    ? html`<p class="empty">No webhook events for this sale.</p>`
    : html`<table class="grid">
<thead><tr><th>Event</th><th>Type</th><th>Received</th><th>Handled</th><th>Outcome</th><th>Job</th></tr></thead>
<tbody>${events.map(
        (e) => html`<tr>
<td class="mono">${e.id}</td>
<td class="mono">${e.type}</td>
<td>${when(e.receivedAt, ctx.now)}</td>
<td>${e.handledAt ? when(e.handledAt, ctx.now) : html`<span class="muted">waiting</span>`}</td>
<td>${e.outcome ?? dash}</td>
<td>${jobLink(ctx, e.jobId)}</td>
</tr>`,
      )}</tbody></table>`
}
</section>`;
}

/** One sale's body: its facts, its PaymentIntent and 3-D Secure outcome, its jobs, its webhook events, and Refund when it is finished. */
export function saleBody(ctx: PageContext, s: SaleView, events: WebhookEventView[] = []): Html {
  const amount = formatMoney(s.amount, s.currency);
  return html`<nav class="crumbs"><a href="${ctx.base}/sales">Sales</a> › <a href="${ctx.base}/sales${qs({ state: s.state })}">${s.state}</a> › <span class="mono">${s.guid}</span></nav>
<div class="title-row">
<h1>${s.productName} <span class="muted">${amount}</span> ${stateTag(s.state)}${disputedTag(s)}</h1>
<div class="actions">${
    s.state === 'finished'
      ? html`<form method="post" action="${ctx.base}/sales/${encodeURIComponent(s.guid)}/refund" data-confirm="Refund ${amount} to ${s.email}? A refund job is enqueued and runs in the background.">${csrfField(ctx)}<button type="submit" class="button danger">Refund</button></form>`
      : ''
  }</div>
</div>
<section class="card facts">
<dl>
<dt>Sale</dt><dd class="mono">${s.guid}</dd>
<dt>State</dt><dd>${stateTag(s.state)}</dd>
<dt>Product</dt><dd>${s.productName} <span class="muted mono">${s.productPermalink}</span></dd>
<dt>Amount</dt><dd>${amount} <span class="muted">(${s.amount} ${s.currency.toLowerCase()} minor units)</span></dd>
<dt>Email</dt><dd>${s.email}</dd>
<dt>PaymentIntent</dt><dd class="mono">${s.paymentIntentId ?? dash}</dd>
<dt>Charge id</dt><dd class="mono">${s.chargeId ?? html`<span class="muted">—</span>`}</dd>
<dt>3-D Secure</dt><dd>${threeDSecure(s)}</dd>
<dt>Dispute</dt><dd>${s.disputed ? tag('disputed', 'bad') : html`<span class="muted">none</span>`}</dd>
<dt>Error</dt><dd>${s.errorMessage ? html`<span class="mono bad">${s.errorCode ? `${s.errorCode}: ` : ''}${s.errorMessage}</span>` : html`<span class="muted">—</span>`}</dd>
<dt>Charge job</dt><dd>${jobLink(ctx, s.chargeJobId)}</dd>
<dt>Refund job</dt><dd>${jobLink(ctx, s.refundJobId)}</dd>
<dt>Created</dt><dd>${when(s.createdAt, ctx.now)} <span class="muted small">${absolute(s.createdAt)}</span></dd>
<dt>Updated</dt><dd>${when(s.updatedAt, ctx.now)} <span class="muted small">${absolute(s.updatedAt)}</span></dd>
</dl>
</section>
${eventsCard(ctx, events)}`;
}
