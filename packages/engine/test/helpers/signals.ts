import type { Errand, ErrandEventName, ErrandEvents } from '../../src/index.js';

/**
 * Wait on signals, not sleeps: resolve when `predicate` holds for an event (or reject after
 * `timeoutMs` with a message saying what never happened).
 */
export function waitForEvent<E extends ErrandEventName>(
  errand: Errand,
  event: E,
  predicate: (payload: ErrandEvents[E]) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<ErrandEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${event}`));
    }, timeoutMs);
    const off = errand.on(event, (payload) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Poll `check` until it returns a truthy value (for state that lives in another process). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
}
