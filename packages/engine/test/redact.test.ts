import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../src/index.js';

describe('redactSecrets', () => {
  it('masks tokens, payment methods, client secrets, secret/restricted keys and webhook secrets, keeping their prefix', () => {
    expect(redactSecrets('You cannot use a Stripe token more than once: tok_1NvXyZabc.')).toBe('You cannot use a Stripe token more than once: tok_[redacted].');
    expect(redactSecrets('pm_1Abc pi_3Def_secret_Ghi seti_1J_secret_K sk_live_51Lmn rk_test_9Op whsec_Qrs')).toBe(
      'pm_[redacted] pi_[redacted]_secret_[redacted] seti_[redacted]_secret_[redacted] sk_live_[redacted] rk_test_[redacted] whsec_[redacted]',
    );
    for (const plain of ['expected a card token (tok_…)', 'stock_level', 'sale-abc', 'no secrets here', 'pk_test_public']) expect(redactSecrets(plain)).toBe(plain);
    expect(redactSecrets(null)).toBeNull();
  });
});
