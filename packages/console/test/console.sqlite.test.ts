import { consoleSuite } from './console-suite.ts';
import { sqliteBackend } from './helpers.ts';

consoleSuite('SQLite', sqliteBackend);
