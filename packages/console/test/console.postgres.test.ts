import { describe } from 'vitest';
import { HAS_PG } from '../../engine/test/helpers/pg.js';
import { consoleSuite } from './console-suite.js';
import { postgresBackend } from './helpers.js';

describe.runIf(HAS_PG)('PostgreSQL', () => {
  consoleSuite('PostgreSQL', postgresBackend);
});
