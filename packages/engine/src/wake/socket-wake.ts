/**
 * Wake-ups between processes that share a SQLite file, which has no LISTEN/NOTIFY of its own.
 *
 * Beside the database file sits a directory, `<file>-wake/`. Each listening process (a worker)
 * binds a Unix domain socket in it, `<pid>-<random>.sock`. A process that commits jobs writes one
 * line per queue, `<queue>\n`, to every socket of the directory (connections kept open, the
 * directory re-read when its mtime moves). A line is only a hint to claim now: the jobs are in the
 * database, and a wake-up lost (a socket removed, the directory unwritable, a process that
 * crashed) costs at most the worker's poll interval. Every failure here is swallowed: the
 * receiver reports itself down (the worker then polls at its fast rate) and retries, the sender
 * forgets the socket. Nothing here ever throws into an enqueue.
 *
 * Not on Windows (no Unix socket paths), and not for paths longer than a socket address allows
 * (about 100 bytes): there `wakeDirectory` answers null and workers poll.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

/** sun_path is 108 bytes on Linux, 104 on macOS; keep room for the NUL. */
const MAX_SOCKET_PATH = 100;
/** The longest socket name this module makes: `<pid>-<8 hex>.sock`. */
const NAME_ROOM = 30;
/** A line longer than this is not a queue name: the connection is dropped. */
const MAX_LINE = 1024;
/** A receiver that stopped reading: stop queueing lines for it. */
const MAX_BUFFERED = 64 * 1024;

/** The wake-up directory of a database file, or null when this platform or path cannot have one. */
export function wakeDirectory(databaseFile: string): string | null {
  if (process.platform === 'win32' || databaseFile === '' || databaseFile === ':memory:') return null;
  const dir = `${databaseFile}-wake`;
  return Buffer.byteLength(dir) + NAME_ROOM <= MAX_SOCKET_PATH ? dir : null;
}

export interface WakeReceiverOptions {
  dir: string;
  onWake: (queue: string) => void;
  /** Up: a line written to the directory's sockets from now on reaches onWake. Down: poll. */
  onState: (up: boolean) => void;
  /** How often to check the socket file is still ours (and to retry when down). Default 1000 ms. */
  checkMs?: number;
}

/** A worker's end: one listening socket in the directory, re-made if its file disappears. */
export class WakeReceiver {
  private server: Server | null = null;
  private path: string | null = null;
  private ino = -1;
  private up = false;
  private stopped = false;
  private opening = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly conns = new Set<Socket>();

  constructor(private readonly o: WakeReceiverOptions) {}

  /** Resolves once the socket is up or known to be down; never rejects. */
  async start(): Promise<void> {
    await this.open();
    this.timer = setInterval(() => void this.check(), this.o.checkMs ?? 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.close();
  }

  private setUp(up: boolean): void {
    if (up === this.up) return;
    this.up = up;
    this.o.onState(up);
  }

  private async open(): Promise<void> {
    if (this.opening || this.stopped) return;
    this.opening = true;
    try {
      mkdirSync(this.o.dir, { recursive: true });
      const path = join(this.o.dir, `${process.pid}-${randomBytes(4).toString('hex')}.sock`);
      const server = createServer((c) => this.accept(c));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', () => {});
      server.unref();
      if (this.stopped) {
        await closeServer(server);
        safeUnlink(path);
        return;
      }
      this.server = server;
      this.path = path;
      this.ino = statSync(path).ino;
      this.setUp(true);
    } catch {
      // Directory unwritable, a read-only file system, a path too long: poll instead.
      this.setUp(false);
    } finally {
      this.opening = false;
    }
  }

  private accept(c: Socket): void {
    c.unref();
    this.conns.add(c);
    c.setEncoding('utf8');
    let partial = '';
    c.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      if (partial.length > MAX_LINE) c.destroy();
      for (const line of lines) this.o.onWake(line === '' ? '*' : line);
    });
    c.on('error', () => {});
    c.on('close', () => this.conns.delete(c));
  }

  /** Our socket file removed or replaced (someone cleaned the directory): down, then a new one. */
  private async check(): Promise<void> {
    if (this.stopped || this.opening) return;
    if (this.server && this.path) {
      let ours = false;
      try {
        ours = statSync(this.path).ino === this.ino;
      } catch {}
      if (ours) return;
      this.setUp(false);
      await this.close(false);
    }
    await this.open();
  }

  private async close(unlink = true): Promise<void> {
    const { server, path } = this;
    this.server = null;
    this.path = null;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    if (server) await closeServer(server);
    // Only our own file: after a replacement the path may be someone else's.
    if (unlink && path) {
      try {
        if (statSync(path).ino === this.ino) unlinkSync(path);
      } catch {}
    }
  }
}

/** A committing process's end: wakes every socket of the directory. */
export class WakeSender {
  private readonly conns = new Map<string, Socket>();
  private dirStamp = '';
  private closed = false;

  constructor(private readonly dir: string) {}

  /** Write one line per queue to every live socket in the directory. Never throws. */
  send(queues: Iterable<string>): void {
    if (this.closed) return;
    this.refresh();
    if (this.conns.size === 0) return;
    let lines = '';
    for (const q of queues) lines += `${q}\n`;
    if (lines === '') return;
    for (const c of this.conns.values()) if (c.writableLength < MAX_BUFFERED) c.write(lines);
  }

  close(): void {
    this.closed = true;
    for (const c of this.conns.values()) c.destroy();
    this.conns.clear();
  }

  /** Re-read the directory when it changed (a socket added or removed), connect to new sockets. */
  private refresh(): void {
    let stamp: string;
    try {
      const st = statSync(this.dir, { bigint: true });
      stamp = `${st.ino}:${st.mtimeNs}`;
    } catch {
      stamp = 'none';
    }
    if (stamp === this.dirStamp) return;
    this.dirStamp = stamp;
    let names: string[] = [];
    try {
      names = readdirSync(this.dir).filter((n) => n.endsWith('.sock'));
    } catch {}
    const live = new Set(names.map((n) => join(this.dir, n)));
    for (const [path, c] of this.conns) {
      if (!live.has(path)) {
        c.destroy();
        this.conns.delete(path);
      }
    }
    for (const path of live) if (!this.conns.has(path)) this.connect(path);
  }

  private connect(path: string): void {
    const c = createConnection(path);
    c.unref();
    this.conns.set(path, c);
    c.on('error', (err: NodeJS.ErrnoException) => {
      // Nobody listens: the socket of a process that died without cleaning up.
      if (err.code === 'ECONNREFUSED') safeUnlink(path);
    });
    c.on('close', () => {
      if (this.conns.get(path) === c) this.conns.delete(path);
      this.dirStamp = ''; // look again next time: the socket may be back
    });
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {}
}

/** What AfterCommit needs of a connection: whether its transaction is still open. */
interface TxState {
  readonly open: boolean;
  readonly inTransaction: boolean;
}

/** A transaction still open after this long: its wake-up is dropped (the poll finds its jobs). */
const GIVE_UP_MS = 10_000;

/**
 * Sends the wake-ups of jobs inserted on a connection once its transaction has ended. A job
 * inserted inside a caller's `db.transaction(() => …)` is not visible to another process until
 * that returns; a wake-up sent earlier would have the worker's claim wait on the write lock. The
 * synchronous transaction is over by the next microtask; a transaction held open across awaits
 * (BEGIN … await … COMMIT) is looked at again after 1, 2, 4 … 50 ms. A rollback also sends (a
 * wasted claim, no harm). Inserts of one turn go out together: one line per queue.
 */
export class AfterCommit {
  private pending: { db: TxState; queues: Iterable<string>; since: number }[] = [];
  private microtask = false;
  private timer: NodeJS.Timeout | undefined;
  private wait = 1;

  constructor(private readonly send: (queues: Set<string>) => void) {}

  add(db: TxState, queues: Iterable<string>): void {
    this.pending.push({ db, queues, since: Date.now() });
    if (this.microtask) return;
    this.microtask = true;
    queueMicrotask(() => {
      this.microtask = false;
      this.flush();
    });
  }

  private flush(): void {
    const ready = new Set<string>();
    const later: typeof this.pending = [];
    const now = Date.now();
    for (const p of this.pending) {
      let open = false;
      try {
        open = p.db.open && p.db.inTransaction;
      } catch {}
      if (!open) for (const q of p.queues) ready.add(q);
      else if (now - p.since < GIVE_UP_MS) later.push(p);
    }
    this.pending = later;
    if (ready.size > 0) {
      try {
        this.send(ready);
      } catch {}
    }
    if (later.length === 0) {
      this.wait = 1;
      clearTimeout(this.timer);
      this.timer = undefined;
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.wait = Math.min(this.wait * 2, 50);
        this.flush();
      }, this.wait);
      this.timer.unref();
    }
  }
}
