/**
 * `npm start`'s payment workers run in a worker thread: their own event loop and their own
 * database connection, so the web thread only serves HTTP. On SQLite the workers' commits are
 * synchronous (better-sqlite3, an fsync each with synchronous=FULL); on the web thread they held
 * every request behind them (POST /buy p99 of seconds with a fast gateway, bench/analysis.md).
 *
 * The thread (worker-thread-main.ts) is what `npm run worker` is, in process: same runtime, same
 * jobs, same logs. This side starts it, tells it when a sale was placed here (SQLite has no
 * NOTIFY; PostgreSQL wakes it by NOTIFY), and stops it gracefully.
 */
import { Worker as Thread } from 'node:worker_threads';
import type { Errand } from 'errand';
import { PAYMENTS_QUEUE } from './jobs/charge.ts';
import type { RuntimeOptions } from './runtime.ts';

export interface WorkerThreadData {
  databaseUrl: string;
  stripe: RuntimeOptions['stripe'];
  charge: RuntimeOptions['charge'];
  logLevel: string;
  /** Payments-queue concurrency (WORKERS). */
  concurrency: number;
  leaseMs: number;
}

export type ToThread = { type: 'wake' } | { type: 'stop' };
export type FromThread = { type: 'ready'; workerId: string };

export interface WorkerThread {
  readonly workerId: string;
  /** Graceful: running charges finish (until the engine's shutdown deadline), the rest are handed back. */
  stop(): Promise<void>;
}

/**
 * The thread's entry is TypeScript: tsx's loader hooks do not reach worker threads started with a
 * .ts file on Node 20 (privatenumber/tsx#354), so the thread registers them before importing it.
 */
const ENTRY = new URL('./worker-thread-main.ts', import.meta.url).href;
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY)}); });`;

/**
 * Starts the thread; resolves once its worker claims jobs. After that, `onCrash` is called if the
 * thread dies other than by stop() (the process should exit: a web server whose workers are gone
 * would take sales that nobody charges).
 */
export function startWorkerThread(data: WorkerThreadData, errand: Errand, onCrash: (err: Error) => void): Promise<WorkerThread> {
  const thread = new Thread(BOOT, { eval: true, workerData: data });
  let state: 'starting' | 'running' | 'stopping' | 'crashed' = 'starting';
  const exited = new Promise<number>((resolve) => thread.once('exit', resolve));

  // Wake the thread's worker once per turn of the event loop that placed payments jobs. On
  // SQLite the enqueue ran inside a synchronous transaction that has committed by then.
  let wakeQueued = false;
  const unsubscribe = errand.on('job:enqueued', ({ jobs }) => {
    if (wakeQueued || !jobs.some((j) => j.inserted && j.queue === PAYMENTS_QUEUE)) return;
    wakeQueued = true;
    setImmediate(() => {
      wakeQueued = false;
      if (state === 'running') thread.postMessage({ type: 'wake' } satisfies ToThread);
    });
  });

  return new Promise((resolve, reject) => {
    const failed = (err: Error) => {
      unsubscribe();
      if (state === 'starting') reject(err);
      else if (state === 'running') onCrash(err);
      if (state !== 'stopping') state = 'crashed';
    };
    thread.on('error', failed);
    thread.on('exit', (code) => failed(new Error(`the payment worker thread exited with code ${code}`)));
    thread.on('message', (m: FromThread) => {
      if (m.type !== 'ready' || state !== 'starting') return;
      state = 'running';
      resolve({
        workerId: m.workerId,
        async stop() {
          if (state === 'running') {
            state = 'stopping';
            unsubscribe();
            thread.postMessage({ type: 'stop' } satisfies ToThread);
          }
          await exited;
        },
      });
    });
  });
}
