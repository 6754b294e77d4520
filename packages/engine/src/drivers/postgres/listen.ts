import type { PgModule } from './driver.js';

/**
 * LISTEN on a dedicated connection (a pooled one would be handed to other queries). When it
 * drops (server restart), reconnect with backoff and report '*' once it is back: a notification
 * sent while we were away is lost, so the listener must look for itself. Returns a stop.
 */
export async function listenChannel(
  pg: PgModule,
  config: object,
  channel: string,
  onNotify: (payload: string) => void,
  onError: (err: unknown) => void,
  onState?: (up: boolean) => void,
): Promise<() => Promise<void>> {
  type ListenClient = InstanceType<PgModule['Client']>;
  let client: ListenClient | null = null;
  let stopped = false;
  let delay = 100;
  const connect = async (): Promise<void> => {
    if (stopped) return;
    const c = new pg.Client(config);
    c.on('notification', (msg) => onNotify(msg.payload ?? ''));
    c.on('error', (err) => {
      onError(err);
      reconnect(c);
    });
    c.on('end', () => reconnect(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
      client = c;
      delay = 100;
      onState?.(true);
      onNotify('*');
    } catch (err) {
      onError(err);
      c.end().catch(() => {});
      if (!stopped) setTimeout(connect, (delay = Math.min(delay * 2, 5000))).unref();
    }
  };
  const reconnect = (c: ListenClient) => {
    if (client !== c || stopped) return;
    client = null;
    onState?.(false);
    c.end().catch(() => {});
    setTimeout(connect, delay).unref();
  };
  await connect();
  return async () => {
    stopped = true;
    const c = client;
    client = null;
    await c?.end().catch(() => {});
  };
}
