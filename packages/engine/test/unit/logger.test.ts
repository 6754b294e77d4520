import { describe, expect, it } from 'vitest';
import { ErrandError } from '../../src/errors.js';
import { ErrandEmitter } from '../../src/events.js';
import { defaultLogger, logEvents } from '../../src/logger.js';
import pino from 'pino';

describe('defaultLogger', () => {
  it('takes its level from ERRAND_LOG_LEVEL, else LOG_LEVEL, else info', () => {
    expect(defaultLogger({}).level).toBe('info');
    expect(defaultLogger({ LOG_LEVEL: 'debug' }).level).toBe('debug');
    expect(defaultLogger({ ERRAND_LOG_LEVEL: 'WARN', LOG_LEVEL: 'debug' }).level).toBe('warn');
  });

  it('refuses a level pino does not know, naming the variable', () => {
    expect(() => defaultLogger({ ERRAND_LOG_LEVEL: 'verbose' })).toThrow(ErrandError);
    expect(() => defaultLogger({ ERRAND_LOG_LEVEL: 'verbose' })).toThrow(/ERRAND_LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/);
    expect(() => defaultLogger({ LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL must be one of/);
  });
});

describe('logEvents', () => {
  it('logs a failed attempt with its secrets masked, as it is stored', () => {
    const lines: string[] = [];
    const events = new ErrandEmitter();
    logEvents(events, pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }));
    const job = { id: 1, name: 'charge', queue: 'payments', attempt: 2 };
    events.emit('job:retry', { job, retryInMs: 100, error: new Error('You cannot use a Stripe token more than once: tok_1AbCdEfGhIjKlMnO') } as never);
    events.emit('job:dead', { job, error: new Error('bad key sk_live_abcdefghijklmnop') } as never);
    const out = lines.join('');
    expect(out).toContain('job:retry');
    expect(out).not.toContain('tok_1AbCdEfGhIjKlMnO');
    expect(out).not.toContain('sk_live_abcdefghijklmnop');
  });
});
