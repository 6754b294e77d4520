/** API keys: any sk_test_/rk_test_ key is a secret key, any pk_test_ key a publishable one. */
import { type ApiError, authError } from './errors.js';

export interface ApiKey {
  key: string;
  publishable: boolean;
}

const SECRET = /^(sk|rk)_test_[A-Za-z0-9_]+$/;
const PUBLISHABLE = /^pk_test_[A-Za-z0-9_]+$/;

/** The key in `Authorization: Bearer …` (or Basic with the key as user name), if any. */
export function keyFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = space === -1 ? '' : header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme === 'basic') {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':')[0];
  }
  return header.trim();
}

function mask(key: string): string {
  return key.length <= 12 ? `${key.slice(0, 3)}****` : `${key.slice(0, 8)}****${key.slice(-4)}`;
}

/** Checks a key; returns it, or the 401 to send. */
export function authenticate(key: string | undefined, publishableAllowed: boolean): ApiKey | ApiError {
  if (!key) {
    return authError(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
    );
  }
  if (SECRET.test(key)) return { key, publishable: false };
  if (PUBLISHABLE.test(key)) {
    if (publishableAllowed) return { key, publishable: true };
    return authError(
      'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
    );
  }
  return authError(`Invalid API Key provided: ${mask(key)}`);
}
