/**
 * Sidekiq-like retry delay: (attempt^4 + 15 + jitter) seconds, where jitter is up to
 * 10 * (attempt + 1) seconds. 25 attempts add up to about 20 days.
 */
export function defaultBackoff(attempt: number): number {
  const jitter = Math.random() * 10 * (attempt + 1);
  return Math.round((attempt ** 4 + 15 + jitter) * 1000);
}

export const DEFAULT_MAX_ATTEMPTS = 25;
