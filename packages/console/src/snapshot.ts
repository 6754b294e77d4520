/**
 * A shared, short-lived copy of an expensive admin read (state counts, queue counts), so ten
 * people on the dashboard and the 2-second live poll cost one query per `freshMs`, not one per
 * request. Older than `freshMs` but younger than `staleMs`: served at once and refreshed in the
 * background. Actions invalidate it, so a page after an action is exact.
 */
export class Snapshot<T> {
  private value: T | undefined;
  private at = 0;
  private pending: Promise<T> | null = null;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly freshMs = 3_000,
    private readonly staleMs = 30_000,
  ) {}

  get(): Promise<T> {
    const age = Date.now() - this.at;
    if (this.value !== undefined && age < this.freshMs) return Promise.resolve(this.value);
    if (!this.pending) {
      const started = Date.now();
      this.pending = this.load()
        .then((v) => {
          this.value = v;
          this.at = started;
          return v;
        })
        .finally(() => {
          this.pending = null;
        });
    }
    if (this.value !== undefined && age < this.staleMs) {
      this.pending.catch(() => {});
      return Promise.resolve(this.value);
    }
    return this.pending;
  }

  invalidate(): void {
    this.value = undefined;
    this.at = 0;
  }
}
