import { describe, expect, it } from 'vitest';
import { ErrandError } from '../../src/errors.js';
import { defaultLogger } from '../../src/logger.js';

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
