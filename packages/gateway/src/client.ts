/** Helpers for other packages' tests and benchmarks. */

/** Creates a card token through the gateway's POST /v1/tokens with a publishable key; returns its id. */
export async function createTestToken(gatewayUrl: string, card = '4242424242424242'): Promise<string> {
  const body = new URLSearchParams({
    'card[number]': card,
    'card[exp_month]': '12',
    'card[exp_year]': String(new Date().getUTCFullYear() + 3),
    'card[cvc]': card.length === 15 ? '1234' : '123',
  });
  const res = await fetch(`${gatewayUrl.replace(/\/$/, '')}/v1/tokens`, {
    method: 'POST',
    headers: { Authorization: 'Bearer pk_test_errand', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  const json = (await res.json()) as { id?: string; error?: { message: string; code?: string } };
  if (!res.ok || !json.id) throw new Error(`createTestToken failed (${res.status}): ${json.error?.code ?? ''} ${json.error?.message ?? ''}`.trim());
  return json.id;
}
