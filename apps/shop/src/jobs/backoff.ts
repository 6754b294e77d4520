/** Retry delay for payment jobs: base, 2×base, 4×base… capped. A checkout waits seconds, not hours. */
export function paymentBackoff(baseMs: number, maxMs: number): (attempt: number) => number {
  return (attempt) => Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}
