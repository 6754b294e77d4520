import { describe } from 'vitest';
import { HAS_REDIS } from '../../engine/test/helpers/redis.js';
import { consoleSuite } from './console-suite.js';
import { redisBackend } from './helpers.js';

describe.runIf(HAS_REDIS)('Redis', () => {
  consoleSuite('Redis', redisBackend);
});
