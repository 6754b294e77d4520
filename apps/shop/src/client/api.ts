/** The checkout page's calls to our server. */

export type Status = { guid: string; status: 'pending' | 'processing' | 'requires_action' | 'finished' | 'error'; error?: string; clientSecret?: string };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function errorOf(res: Response): Promise<HttpError> {
  let message = `The server answered ${res.status}.`;
  try {
    const body = (await res.json()) as { error?: string };
    if (body.error) message = body.error;
  } catch {
    // not JSON: keep the generic message
  }
  return new HttpError(res.status, message);
}

/**
 * POST the form. A network failure is retried a few times with the same form key, which the
 * server answers with the first sale's guid: a retry never makes a second sale.
 */
export async function postPurchase(action: string, fields: Record<string, string>): Promise<string> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    let res: Response;
    try {
      res = await fetch(action, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams(fields).toString(),
        credentials: 'same-origin',
      });
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
      continue;
    }
    if (!res.ok) throw await errorOf(res);
    const body = (await res.json()) as { guid: string };
    return body.guid;
  }
  throw new HttpError(0, `We could not reach the shop (${String((lastError as Error)?.message ?? lastError)}). Check your connection and try again.`);
}

export async function fetchStatus(guid: string): Promise<Status | null> {
  try {
    const res = await fetch(`/status/${encodeURIComponent(guid)}`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) return null;
    return (await res.json()) as Status;
  } catch {
    return null; // a blip: the next poll tries again
  }
}
