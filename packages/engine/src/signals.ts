import type { Errand } from './client.js';
import type { Worker } from './worker/worker.js';

/**
 * On SIGTERM or SIGINT: stop the workers gracefully (running jobs finish until the shutdown
 * deadline, the rest are released), close the client, exit 0. A second signal exits at once.
 */
export function stopOnSignals(errand: Errand, workers: Worker[], onStop?: () => Promise<void> | void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      errand.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    errand.logger.info({ signal }, 'shutting down gracefully');
    void (async () => {
      try {
        await Promise.all(workers.map((w) => w.stop()));
        await onStop?.();
        await errand.close();
        process.exit(0);
      } catch (err) {
        errand.logger.error({ err: String(err) }, 'shutdown failed');
        process.exit(1);
      }
    })();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
