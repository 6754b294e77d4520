import { ErrandError } from '../errors.js';
import { jsonValueProblem } from '../payload.js';

/** The most a progress report may weigh as JSON text: progress is a number or a small object. */
export const MAX_PROGRESS_BYTES = 4096;

/** A progress report as JSON text, or an ERRAND_BAD_PROGRESS error saying what is wrong. */
export function encodeProgress(value: unknown): string {
  const problem = value === undefined ? 'progress is undefined: report a number or a small JSON value' : jsonValueProblem(value, 'progress');
  if (problem) throw new ErrandError('ERRAND_BAD_PROGRESS', problem);
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_PROGRESS_BYTES) {
    throw new ErrandError('ERRAND_BAD_PROGRESS', `progress is ${bytes} bytes of JSON; at most ${MAX_PROGRESS_BYTES} (report a number or a small object, keep the rest in the result)`);
  }
  return text;
}

/**
 * One attempt's progress reports, throttled: the first is written at once, then at most one
 * write per `throttleMs`, always the latest value (a chatty handler costs one write per interval,
 * whatever it calls). `finish()` writes the last value still waiting, so it is the one stored
 * when the attempt ends. Made only when a handler first reports progress.
 */
export class ProgressReporter {
  private pending: string | undefined;
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | null = null;
  private done = false;

  constructor(
    private readonly write: (json: string) => Promise<void>,
    private readonly throttleMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  report(value: unknown): void {
    const json = encodeProgress(value); // throws at the caller on a bad value
    if (this.done) return;
    this.pending = json;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.writing || this.pending === undefined || this.done) return;
    const wait = this.lastWrite + this.throttleMs - performance.now();
    if (wait <= 0) this.flush();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, wait);
      this.timer.unref();
    }
  }

  private flush(): void {
    const json = this.pending;
    if (json === undefined) return;
    this.pending = undefined;
    this.lastWrite = performance.now();
    this.writing = this.write(json)
      .catch(this.onError)
      .finally(() => {
        this.writing = null;
        this.schedule();
      });
  }

  /** The attempt ended: write what is still waiting (when `keep`), and stop. */
  async finish(keep: boolean): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.done = true;
    await this.writing;
    const json = this.pending;
    this.pending = undefined;
    if (keep && json !== undefined) await this.write(json).catch(this.onError);
  }
}
