/**
 * The shop's Sales section of the console (/admin/sales): the list, one sale, and the refund
 * action, added through @errand/console's sections option, so the console's sign-in, CSRF
 * check and headers cover them. Also the errand_sales gauge for /metrics.
 */
import { type ConsoleSection, type Html, notice, param } from '@errand/console';
import type { SalesSource } from '../sales/admin-source.js';
import { SALE_STATES } from '../sales/states.js';
import { formatMoney } from '@errand/web';
import { parseSalesQuery, saleBody, salesBody } from './sales-pages.js';

/** After a refund the browser is sent to `…?done=refund&job=<id>`; the text is made here, never taken from the URL. */
function refundNotice(query: unknown): Html | null {
  if (param(query, 'done', 20) !== 'refund') return null;
  return notice('ok', `Refund enqueued as job #${Number.parseInt(param(query, 'job', 20), 10) || '?'}; it runs in the background.`);
}

export function salesSection(sales: SalesSource): ConsoleSection {
  return {
    id: 'sales',
    title: 'Sales',
    path: '/sales',
    gauges: [
      {
        name: 'errand_sales',
        help: 'Sales per state.',
        labelNames: ['state'],
        async read() {
          const counts = await sales.counts();
          return SALE_STATES.map((state) => ({ labels: { state }, value: counts[state] ?? 0 }));
        },
      },
    ],
    register(scope) {
      scope.get('/sales', async (req) => {
        const q = parseSalesQuery(req.query);
        if ('error' in q) return req.fail(400, q.error);
        return req.page('Sales', await salesBody(sales, req.ctx, q), refundNotice(req.query));
      });

      scope.get('/sales/:guid', async (req) => {
        const sale = await sales.get(req.params.guid);
        if (!sale) return req.fail(404, 'No such sale.');
        return req.page(`Sale ${sale.guid}`, saleBody(req.ctx, sale, await sales.events(sale.guid)), refundNotice(req.query));
      });

      scope.post('/sales/:guid/refund', async (req) => {
        const { guid } = req.params;
        const sale = await sales.get(guid);
        if (!sale) return req.fail(404, 'No such sale.');
        const salePath = `/sales/${encodeURIComponent(guid)}`;
        if (param(req.body, 'confirmed') !== '1') {
          return req.confirm({
            title: `Refund ${formatMoney(sale.amount, sale.currency)}?`,
            message: `${sale.productName} bought by ${sale.email} (charge ${sale.chargeId ?? 'none'}). A refund job is enqueued and runs in the background, like the charge.`,
            action: `${scope.base}${salePath}/refund`,
            fields: [],
            button: 'Refund',
            danger: true,
            cancel: `${scope.base}${salePath}`,
          });
        }
        const result = await sales.refund(guid);
        if (result.ok) return req.redirect(`${salePath}?done=refund&job=${result.jobId}`);
        const now = await sales.get(guid);
        const message = `Not refunded: ${result.reason}`;
        return now ? req.send(req.page(`Sale ${now.guid}`, saleBody(req.ctx, now, await sales.events(guid)), notice('error', message)), 409) : req.fail(409, message);
      });
    },
  };
}
