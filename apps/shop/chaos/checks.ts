/**
 * The chaos run's invariants, checked against the gateway's ledger (what was really charged,
 * refunded and disputed) and its event log:
 *
 * 1. every sale is finished, errored or refunded (none stuck pending or processing);
 * 2. every finished or refunded sale has exactly one successful charge (and it is the one the
 *    sale records, for the sale's amount);
 * 3. every errored sale has no successful charge;
 * 4. no charge exists without a sale (every ledger entry names a sale that exists);
 * 5. no job is left running, available, scheduled or retryable;
 * 6. every sale the web answered 200 for exists;
 * 7. every refund is reflected: a charge refunded in full at the gateway (by the shop or "from
 *    the dashboard") has its sale refunded, and a refunded sale's charge was refunded;
 * 8. every dispute is reflected: a disputed charge's sale is flagged, and only those;
 * 9. every sale ends as its card and its challenge decide (`expected`, from the purchase plan):
 *    finished (or refunded, when its charge was) or errored, with the 3-D Secure outcome;
 * 10. every webhook event sent to the shop was delivered in the end (`events`).
 */
import type { LedgerEntry } from '@errand/gateway';

export interface SaleRow {
  guid: string;
  state: string;
  charge_id: string | null;
  amount: number;
  /** Optional: rows written by hand in tests may leave these out. */
  error_code?: string | null;
  three_d_secure?: string | null;
  disputed?: boolean;
}

export interface JobRow {
  id: number;
  name: string;
  state: string;
  attempt: number;
  errors: unknown;
  payload: unknown;
}

/** What a purchase's card and its customer's answer to the challenge decide. */
export interface Expectation {
  state: 'finished' | 'errored';
  /** The sale's three_d_secure: null when the card asks for none. */
  threeDSecure: null | 'authenticated' | 'failed' | 'abandoned';
  /** For the message: the card and the answer, e.g. "4000002760003184 + fail". */
  why: string;
}

export interface EventRow {
  id: string;
  type: string;
  /** null: no endpoint was set when it happened (never sent). */
  url: string | null;
  delivered: boolean;
}

export interface CheckInput {
  sales: SaleRow[];
  jobs: JobRow[];
  ledger: LedgerEntry[];
  /** Guids the web answered 200 for. */
  okGuids: string[];
  /** By guid: the outcome the purchase's card and challenge decide. Sales not in it are not checked for it. */
  expected?: Map<string, Expectation>;
  /** The gateway's webhook events (GET /_control/events). */
  events?: EventRow[];
}

const fullyRefunded = (c: LedgerEntry) => c.status === 'succeeded' && c.amountRefunded >= c.amount;

/** Violations, each a sentence naming the sale, charge, job or event; empty when all hold. */
export function checkInvariants({ sales, jobs, ledger, okGuids, expected, events }: CheckInput): string[] {
  const v: string[] = [];
  const byGuid = new Map(sales.map((s) => [s.guid, s]));
  const succeededBySale = new Map<string, LedgerEntry[]>();
  for (const c of ledger) {
    const guid = c.metadata?.sale_guid;
    if (!guid || !byGuid.has(guid)) {
      v.push(`charge ${c.id} (${c.status}, ${c.amount} ${c.currency}) has no sale${guid ? ` (metadata.sale_guid ${guid} is not in the sales table)` : ' (no metadata.sale_guid)'}`);
      continue;
    }
    if (c.status === 'succeeded') succeededBySale.set(guid, [...(succeededBySale.get(guid) ?? []), c]);
  }
  for (const s of sales) {
    const ok = succeededBySale.get(s.guid) ?? [];
    if (s.state === 'finished' || s.state === 'refunded') {
      if (ok.length !== 1) v.push(`${s.state} sale ${s.guid} has ${ok.length} successful charges (expected exactly 1)${ok.length ? `: ${ok.map((c) => c.id).join(', ')}` : ''}`);
      else {
        if (s.charge_id !== ok[0].id) v.push(`${s.state} sale ${s.guid} records charge ${s.charge_id} but the gateway charged ${ok[0].id}`);
        if (ok[0].amount !== Number(s.amount)) v.push(`sale ${s.guid} is for ${s.amount} but was charged ${ok[0].amount}`);
      }
    } else if (s.state === 'errored') {
      if (ok.length > 0) v.push(`errored sale ${s.guid} has ${ok.length} successful charge(s): ${ok.map((c) => c.id).join(', ')} (the customer was charged and told it failed)`);
    } else {
      v.push(`sale ${s.guid} is ${s.state}, not finished, errored or refunded (stuck)`);
    }
    // 7 and 8: what the gateway says happened to the charge, reflected on the sale.
    if (ok.length === 1) {
      const charge = ok[0];
      if (fullyRefunded(charge) && s.state !== 'refunded') v.push(`charge ${charge.id} was refunded at the gateway but its sale ${s.guid} is ${s.state} (refund not reflected)`);
      if (!fullyRefunded(charge) && s.state === 'refunded') v.push(`sale ${s.guid} is refunded but its charge ${charge.id} was not (refunded ${charge.amountRefunded} of ${charge.amount})`);
    }
    if (s.disputed !== undefined) {
      const disputed = ok.some((c) => c.disputed === true);
      if (disputed && !s.disputed) v.push(`charge ${ok.find((c) => c.disputed)?.id} is disputed but its sale ${s.guid} is not flagged (dispute not reflected)`);
      if (!disputed && s.disputed) v.push(`sale ${s.guid} is flagged disputed but no charge of it is`);
    }
    // 9: the outcome its card and challenge decide.
    const want = expected?.get(s.guid);
    if (want && (s.state === 'finished' || s.state === 'errored' || s.state === 'refunded')) {
      const settled = s.state === 'refunded' ? 'finished' : s.state;
      if (settled !== want.state) {
        v.push(`sale ${s.guid} (${want.why}) ended ${s.state}${s.error_code ? ` (${s.error_code})` : ''}, but its card and challenge decide ${want.state}`);
      }
      if (s.three_d_secure !== undefined && (s.three_d_secure ?? null) !== want.threeDSecure) {
        v.push(`sale ${s.guid} (${want.why}) has three_d_secure ${s.three_d_secure ?? 'null'}, expected ${want.threeDSecure ?? 'null'}`);
      }
    }
  }
  for (const j of jobs) {
    if (isNextReconcileTick(j)) continue;
    if (j.state === 'running' || j.state === 'available' || j.state === 'scheduled' || j.state === 'retryable') {
      v.push(`job ${j.id} (${j.name}) is left ${j.state} after attempt ${j.attempt}`);
    }
  }
  for (const guid of new Set(okGuids)) {
    if (!byGuid.has(guid)) v.push(`the web answered 200 with guid ${guid}, but there is no such sale`);
  }
  for (const e of events ?? []) {
    if (e.url !== null && !e.delivered) v.push(`webhook event ${e.id} (${e.type}) was never delivered to ${e.url}`);
  }
  return v;
}

/** The periodic shop.reconcile always has its next tick scheduled: that job is not left over. */
export function isNextReconcileTick(j: { name: string; state: string }): boolean {
  return j.name === 'shop.reconcile' && j.state === 'scheduled';
}
