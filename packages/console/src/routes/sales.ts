import type { FastifyInstance } from 'fastify';
import { param } from '../deps.js';
import { money } from '../format.js';
import { notice } from '../layout.js';
import { confirmPage } from '../pages/confirm.js';
import { parseSalesQuery, salePage, salesPage } from '../pages/sales.js';
import type { ConsoleKit } from '../plugin.js';
import type { SalesSource } from '../sales.js';

const GUID = /^[A-Za-z0-9_-]{1,100}$/;

/** Sales pages (only when the app passes a SalesSource) and the refund action. */
export function registerSales(app: FastifyInstance, kit: ConsoleKit, sales: SalesSource): void {
  const { base, page, send, fail } = kit;

  app.get('/sales', async (request, reply) => {
    const q = parseSalesQuery(request.query);
    if ('error' in q) return fail(request, reply, 400, q.error);
    return send(reply, await salesPage(sales, page(request), q, kit.noticeFrom(request.query)));
  });

  app.get('/sales/:guid', async (request, reply) => {
    const guid = (request.params as { guid: string }).guid;
    const body = GUID.test(guid) ? await salePage(sales, page(request), guid, kit.noticeFrom(request.query)) : null;
    if (!body) return fail(request, reply, 404, 'No such sale.');
    return send(reply, body);
  });

  app.post('/sales/:guid/refund', async (request, reply) => {
    const guid = (request.params as { guid: string }).guid;
    const sale = GUID.test(guid) ? await sales.get(guid) : null;
    if (!sale) return fail(request, reply, 404, 'No such sale.');
    const saleUrl = `${base}/sales/${encodeURIComponent(guid)}`;
    if (param(request.body, 'confirmed') !== '1') {
      return send(
        reply,
        confirmPage(page(request), 'sales', {
          title: `Refund ${money(sale.amount, sale.currency)}?`,
          message: `${sale.productName} bought by ${sale.email} (charge ${sale.chargeId ?? 'none'}). A refund job is enqueued and runs in the background, like the charge.`,
          action: `${saleUrl}/refund`,
          fields: [],
          button: 'Refund',
          danger: true,
          cancel: saleUrl,
        }),
      );
    }
    const result = await sales.refund(guid);
    if (result.ok) return reply.redirect(`${saleUrl}?done=refund&job=${result.jobId}`, 303);
    const body = await salePage(sales, page(request), guid, notice('error', `Not refunded: ${result.reason}`));
    return body ? send(reply, body, 409) : fail(request, reply, 409, `Not refunded: ${result.reason}`);
  });
}
