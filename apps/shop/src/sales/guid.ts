import { randomUUID } from 'node:crypto';

/** A sale's public id: a v4 UUID, 122 random bits from the OS CSPRNG — unguessable. */
export function newGuid(): string {
  return randomUUID();
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function isGuid(s: unknown): s is string {
  return typeof s === 'string' && GUID.test(s);
}
