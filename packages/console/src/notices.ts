import { param } from './deps.js';
import type { Html } from './html.js';
import { notice } from './layout.js';
import { ACTION_DONE, isAction } from './pages/actions.js';

/**
 * After an action the browser is redirected (POST → 303 → GET) with `done=<code>` and numbers in
 * the query; the message text is made here from fixed sentences, never taken from the URL.
 */
export function noticeFrom(query: unknown): Html | null {
  const done = param(query, 'done', 20);
  if (!done) return null;
  const n = Number.parseInt(param(query, 'n', 10), 10) || 0;
  const of = Number.parseInt(param(query, 'of', 10), 10) || 0;
  if (isAction(done)) {
    const text = `${n.toLocaleString('en-US')} of ${of.toLocaleString('en-US')} job${of === 1 ? '' : 's'} ${ACTION_DONE[done]}.`;
    const skipped = of - n;
    return notice(n > 0 ? 'ok' : 'error', skipped > 0 ? `${text} ${skipped.toLocaleString('en-US')} changed state meanwhile or cannot be ${done === 'retry' ? 'retried' : done === 'discard' ? 'discarded' : done === 'cancel' ? 'cancelled' : 'deleted'} (running jobs are left alone).` : text);
  }
  if (done === 'paused' || done === 'resumed') return notice('ok', `Queue ${param(query, 'queue', 200)} ${done}.`);
  return null;
}
