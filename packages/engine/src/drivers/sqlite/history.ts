import { ErrandError } from '../../errors.js';
import type { SqliteDatabase, SqliteStatement } from '../connections.js';
import { loadQueries } from '../sql-files.js';

/**
 * Finished jobs on SQLite (migration 0009): one table per UTC day they finished on,
 * errand_jobs_history_YYYYMMDD, behind the view errand_jobs_history (the UNION ALL of every
 * history table, recreated in the transaction that makes or drops one, so the view always names
 * exactly the tables there are). A move copies rows into the day's table with a statement of
 * `MOVES` and deletes them from errand_jobs (delete_moved.sql) in one transaction; reads go
 * through the view; pruning drops whole tables.
 *
 * The table names are the only SQL made at run time: the templates' `{table}`, and the view's
 * list of tables. A name is always one this file built (PREFIX + eight digits) or read back from
 * sqlite_master under PREFIX, never user input.
 */

/** Statements that copy jobs from errand_jobs into a day's table (their `{table}`). */
export const MOVES = ['complete', 'complete_result', 'fail_dead', 'rescue_dead', 'admin_cancel', 'admin_discard'] as const;
export type MoveName = (typeof MOVES)[number];

const TEMPLATES = loadQueries('sqlite', [...MOVES, 'history_day', 'history_delete'] as const);
const PREFIX = 'errand_jobs_history_';
/** History tables: the days', and the one migration 0009 filled with the jobs finished before it. */
const HISTORY_TABLE = /^errand_jobs_history_(\d{8}|upgrade)$/;
const UPGRADE = `${PREFIX}upgrade`;
const DAY_MS = 86_400_000;

/** The history table of the UTC day of `t` (ms epoch). */
export function dayTable(t: number): string {
  return `${PREFIX}${new Date(t).toISOString().slice(0, 10).replaceAll('-', '')}`;
}

function fill(template: string, table: string): string {
  if (!HISTORY_TABLE.test(table)) throw new ErrandError('ERRAND_INTERNAL', `not a history table: ${table}`);
  return template.replaceAll('{table}', table);
}

export class SqliteHistory {
  /** The day table the cached move statements write to (the day of the latest move). */
  private current = '';
  private moves = new Map<MoveName, SqliteStatement>();

  constructor(private readonly db: SqliteDatabase) {}

  /**
   * The move statement `name` into the table of the day of `now`, made first if missing. Call it
   * before the move's transaction: making a table commits on its own (a move rolled back keeps it).
   */
  move(name: MoveName, now: number): SqliteStatement {
    const table = dayTable(now);
    if (table !== this.current) {
      this.ensure(now);
      this.current = table;
      this.moves.clear();
    }
    let s = this.moves.get(name);
    if (!s) this.moves.set(name, (s = this.db.prepare(fill(TEMPLATES[name], table))));
    return s;
  }

  /** Make the day tables of `now` and of the `ahead` days after it that are missing. */
  ensure(now: number, ahead = 0): void {
    this.db
      .transaction(() => {
        const have = new Set(this.tables());
        let made = false;
        for (let d = 0; d <= ahead; d++) {
          const table = dayTable(now + d * DAY_MS);
          if (have.has(table)) continue;
          this.db.exec(fill(TEMPLATES.history_day, table));
          made = true;
        }
        if (made) this.recreateView();
      })
      .immediate();
  }

  /** Every history table, oldest day first (the upgrade table last). */
  tables(): string[] {
    const rows = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'errand_jobs_history_*' ORDER BY name").all() as { name: string }[];
    return rows.map((r) => r.name).filter((n) => HISTORY_TABLE.test(n));
  }

  /** Delete rows `ids` (JSON array) from every history table; the ids deleted. Inside the caller's transaction. */
  deleteIds(ids: string): number[] {
    const out: number[] = [];
    for (const table of this.tables()) {
      for (const r of this.db.prepare(fill(TEMPLATES.history_delete, table)).all({ ids }) as { id: number }[]) out.push(Number(r.id));
    }
    return out;
  }

  /**
   * Drop the history tables wholly older than `before` (ms epoch): a day table once its day has
   * ended by then (a day holding jobs on both sides of the cutoff is kept until it is wholly old:
   * jobs are kept between the retention and the retention plus a day), the upgrade table once its
   * newest job is. Today's table is made first, so the view is never left without a table.
   * Returns how many tables were dropped.
   */
  drop(before: number, now: number): number {
    this.ensure(now, 1);
    return this.db
      .transaction(() => {
        const gone = this.tables().filter((table) => {
          if (table === UPGRADE) {
            const row = this.db.prepare(`SELECT max(finished_at) AS newest FROM ${UPGRADE}`).get() as { newest: number | null };
            return row.newest === null || row.newest < before;
          }
          const day = table.slice(PREFIX.length);
          const end = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8))) + DAY_MS;
          return end <= Math.min(before, now);
        });
        if (gone.length === 0) return 0;
        for (const table of gone) this.db.exec(`DROP TABLE ${table}`);
        this.recreateView();
        return gone.length;
      })
      .immediate();
  }

  /** The view over every history table as they are now (inside the transaction that changed them). */
  private recreateView(): void {
    const tables = this.tables();
    if (tables.length === 0) throw new ErrandError('ERRAND_INTERNAL', 'no history table left for the errand_jobs_history view');
    this.db.exec(`DROP VIEW IF EXISTS errand_jobs_history; CREATE VIEW errand_jobs_history AS ${tables.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL ')}`);
  }
}
