/**
 * What the Redis driver uses of ioredis, as small structural interfaces: an ioredis `Redis`
 * satisfies them, and errand's published types never import ioredis (an app on SQLite compiles
 * without it).
 */

/** What the driver uses of an ioredis client (structural: errand's types never import ioredis). */
export interface RedisClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  pipeline(): RedisPipeline;
  duplicate(): RedisClient;
  subscribe(...channels: string[]): Promise<unknown>;
  on(event: string, listener: (...args: any[]) => void): unknown;
  quit(): Promise<unknown>;
  disconnect(): void;
  readonly status: string;
}

export interface RedisPipeline {
  call(command: string, ...args: (string | number)[]): RedisPipeline;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** The ioredis module's default export: the client class. */
export type RedisConstructor = new (url: string, options?: object) => RedisClient;
