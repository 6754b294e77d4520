/**
 * Group commit for a write many callers make one row at a time (the charge job's startCharge and
 * markFinished, from every worker slot): a call made while the statements in flight are out
 * waits for the next one, which carries every such call in one statement. Idle, a call goes
 * out at once, as its own statement; busy, batches grow by themselves — no timer, no added wait
 * but the round trip in flight. Two calls for the same key never share a statement (the second
 * goes in the next), so each caller's answer is its own. A batch that fails is retried call by
 * call: a bad call fails alone.
 *
 * Ours rather than a library's (dataloader and the like batch per event-loop tick, which holds
 * every call for a turn even when nothing is in flight, and coalesce equal keys into one answer).
 */
export interface WriteBatcherOptions<A, R> {
  /** The statement for these calls (one or many): one answer per call, in order. */
  write(calls: A[]): Promise<R[]>;
  /** Calls with the same key go in different statements. */
  key(call: A): string;
  /** Statements out at once (pool connections they hold). */
  maxInFlight: number;
  maxBatch: number;
}

interface Waiting<A, R> {
  call: A;
  key: string;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export class WriteBatcher<A, R> {
  private waiting: Waiting<A, R>[] = [];
  private inFlight = 0;

  constructor(private readonly o: WriteBatcherOptions<A, R>) {}

  run(call: A): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ call, key: this.o.key(call), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.o.maxInFlight && this.waiting.length > 0) {
      const batch: Waiting<A, R>[] = [];
      const later: Waiting<A, R>[] = [];
      const keys = new Set<string>();
      for (const w of this.waiting) {
        if (batch.length < this.o.maxBatch && !keys.has(w.key)) {
          batch.push(w);
          keys.add(w.key);
        } else later.push(w);
      }
      this.waiting = later;
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async write(batch: Waiting<A, R>[]): Promise<void> {
    if (batch.length > 1) {
      let answers: R[] | null = null;
      try {
        answers = await this.o.write(batch.map((w) => w.call));
      } catch {
        // Each alone below: a bad call fails by itself, the others go through.
      }
      if (answers) {
        for (let i = 0; i < batch.length; i++) batch[i].resolve(answers[i]);
        return;
      }
    }
    await Promise.all(batch.map((w) => this.o.write([w.call]).then(([answer]) => w.resolve(answer), w.reject)));
  }
}
