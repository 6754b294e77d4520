import type { SalesSource, SaleState, SaleView } from '../src/sales.js';

/** An in-memory SalesSource for the console's tests (the real one lives in the shop). */
export class FakeSales implements SalesSource {
  readonly sales = new Map<string, SaleView>();
  refunds: string[] = [];
  nextJobId = 9000;

  add(over: Partial<SaleView> & { guid: string }): SaleView {
    const now = new Date();
    const sale: SaleView = {
      state: 'finished',
      productName: 'Blue banana',
      productPermalink: 'blue-banana',
      amount: 1999,
      currency: 'usd',
      email: 'buyer@example.com',
      chargeId: `ch_${over.guid}`,
      errorMessage: null,
      errorCode: null,
      chargeJobId: null,
      refundJobId: null,
      createdAt: now,
      updatedAt: now,
      ...over,
    };
    this.sales.set(sale.guid, sale);
    return sale;
  }

  async list(q: { state?: SaleState | null; limit: number; cursor?: string | null; search?: string | null }) {
    let all = [...this.sales.values()].sort((a, b) => (a.guid < b.guid ? 1 : -1));
    if (q.state) all = all.filter((s) => s.state === q.state);
    if (q.search) all = all.filter((s) => `${s.guid} ${s.email} ${s.chargeId ?? ''}`.toLowerCase().includes(q.search!.toLowerCase()));
    if (q.cursor) all = all.filter((s) => s.guid < q.cursor!);
    const page = all.slice(0, q.limit);
    return { sales: page, next: all.length > q.limit ? page[page.length - 1].guid : null };
  }

  async get(guid: string) {
    return this.sales.get(guid) ?? null;
  }

  async counts() {
    const c: Record<SaleState, number> = { pending: 0, processing: 0, finished: 0, errored: 0, refunded: 0 };
    for (const s of this.sales.values()) c[s.state]++;
    return c;
  }

  async refund(guid: string): Promise<{ ok: true; jobId: number } | { ok: false; reason: string }> {
    const s = this.sales.get(guid);
    if (!s) return { ok: false, reason: 'no such sale' };
    if (s.state !== 'finished') return { ok: false, reason: `the sale is ${s.state}, only a finished sale can be refunded` };
    this.refunds.push(guid);
    s.state = 'refunded';
    s.refundJobId = this.nextJobId++;
    return { ok: true, jobId: s.refundJobId };
  }
}
