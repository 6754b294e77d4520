import type { JobState } from 'errand';

/** What can be done to a job in each state (the engine refuses the rest and reports it). */
export type JobAction = 'retry' | 'discard' | 'delete';

export const JOB_ACTIONS: readonly JobAction[] = ['retry', 'discard', 'delete'];

export function actionsFor(state: JobState): JobAction[] {
  switch (state) {
    case 'scheduled':
    case 'available':
    case 'retryable':
      return ['retry', 'discard', 'delete'];
    case 'dead':
    case 'completed':
      return ['retry', 'delete'];
    default:
      return [];
  }
}

export const ACTION_LABEL: Record<JobAction, string> = { retry: 'Retry now', discard: 'Discard', delete: 'Delete' };

export const ACTION_DONE: Record<JobAction, string> = { retry: 'retried', discard: 'discarded (moved to dead)', delete: 'deleted' };

export function describeAction(action: JobAction): string {
  return action === 'retry'
    ? 'run again now (available at once; one more attempt is allowed if none was left)'
    : action === 'discard'
      ? 'be given up: moved to dead with a note, never run'
      : 'be deleted for good, with their history';
}

export function isAction(s: string): s is JobAction {
  return (JOB_ACTIONS as readonly string[]).includes(s);
}
