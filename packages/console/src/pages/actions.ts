import type { JobState } from 'errand';

/** What can be done to a job in each state (the engine refuses the rest and reports it). */
export type JobAction = 'retry' | 'discard' | 'delete' | 'cancel';

export const JOB_ACTIONS: readonly JobAction[] = ['retry', 'discard', 'delete', 'cancel'];

export function actionsFor(state: JobState): JobAction[] {
  switch (state) {
    case 'scheduled':
    case 'available':
    case 'retryable':
      return ['retry', 'cancel', 'discard', 'delete'];
    case 'running':
      return ['cancel'];
    case 'dead':
    case 'completed':
    case 'cancelled':
      return ['retry', 'delete'];
    default:
      return [];
  }
}

export const ACTION_LABEL: Record<JobAction, string> = { retry: 'Retry now', discard: 'Discard', delete: 'Delete', cancel: 'Cancel' };

export const ACTION_DONE: Record<JobAction, string> = {
  retry: 'retried',
  discard: 'discarded (moved to dead)',
  delete: 'deleted',
  cancel: 'cancelled (a running job stops at its worker’s next heartbeat)',
};

export function describeAction(action: JobAction): string {
  return action === 'retry'
    ? 'run again now (available at once; one more attempt is allowed if none was left)'
    : action === 'discard'
      ? 'be given up: moved to dead with a note, never run'
      : action === 'cancel'
        ? 'be cancelled: never run again; a running job has its signal aborted at its worker’s next heartbeat'
        : 'be deleted for good, with their history';
}

export function isAction(s: string): s is JobAction {
  return (JOB_ACTIONS as readonly string[]).includes(s);
}
