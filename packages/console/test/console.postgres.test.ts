import { describe } from 'vitest';
import { HAS_PG } from '../../engine/test/helpers/pg.ts';
import { consoleSuite } from './console-suite.ts';
import { postgresBackend } from './helpers.ts';

describe.runIf(HAS_PG)('PostgreSQL', () => {
  consoleSuite('PostgreSQL', postgresBackend);
});
