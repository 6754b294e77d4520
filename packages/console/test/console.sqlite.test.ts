import { consoleSuite } from './console-suite.js';
import { sqliteBackend } from './helpers.js';

consoleSuite('SQLite', sqliteBackend);
