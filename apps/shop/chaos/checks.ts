/**
 * The chaos run's invariants, checked against the gateway's ledger (what was really charged):
 *
 * 1. every sale is finished or errored;
 * 2. every finished sale has exactly one successful charge (and it is the one the sale records,
 *    for the sale's amount);
 * 3. every errored sale has no successful charge;
 * 4. no charge exists without a sale (every ledger entry names a sale that exists);
 * 5. no job is left running, available, scheduled or retryable;
 * 6. every sale the web answered 200 for exists.
 */
import type { LedgerEntry } from '@errand/gateway';

export interface SaleRow {
  guid: string;
  state: string;
  charge_id: string | null;
  amount: number;
}

export interface JobRow {
  id: number;
  name: string;
  state: string;
  attempt: number;
  errors: unknown;
  payload: unknown;
}

export interface CheckInput {
  sales: SaleRow[];
  jobs: JobRow[];
  ledger: LedgerEntry[];
  /** Guids the web answered 200 for. */
  okGuids: string[];
}

/** Violations, each a sentence naming the sale, charge or job; empty when all hold. */
export function checkInvariants({ sales, jobs, ledger, okGuids }: CheckInput): string[] {
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
    if (s.state === 'finished') {
      if (ok.length !== 1) v.push(`finished sale ${s.guid} has ${ok.length} successful charges (expected exactly 1)${ok.length ? `: ${ok.map((c) => c.id).join(', ')}` : ''}`);
      else {
        if (s.charge_id !== ok[0].id) v.push(`finished sale ${s.guid} records charge ${s.charge_id} but the gateway charged ${ok[0].id}`);
        if (ok[0].amount !== Number(s.amount)) v.push(`sale ${s.guid} is for ${s.amount} but was charged ${ok[0].amount}`);
      }
    } else if (s.state === 'errored') {
      if (ok.length > 0) v.push(`errored sale ${s.guid} has ${ok.length} successful charge(s): ${ok.map((c) => c.id).join(', ')} (the customer was charged and told it failed)`);
    } else {
      v.push(`sale ${s.guid} is ${s.state}, not finished or errored`);
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
  return v;
}

/** The periodic shop.reconcile always has its next tick scheduled: that job is not left over. */
export function isNextReconcileTick(j: { name: string; state: string }): boolean {
  return j.name === 'shop.reconcile' && j.state === 'scheduled';
}
