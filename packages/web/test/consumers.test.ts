/**
 * The copies this package replaced disagreed: one HUF sale of 17,500 minor units showed as
 * "HUF 17,500" in the shop and "HUF 175" in the console. These checks reach into the packages
 * that format money (tests only: nothing in src depends on them) so that they cannot drift apart
 * again, and so that the gateway, which keeps its own table to stay free of our packages, counts
 * in the same minor units.
 */
import { describe, expect, it } from 'vitest';
import { catalogPage } from '../../../apps/shop/src/views/catalog.js';
import { money } from '../../console/src/format.js';
import { minimumAmount, supportedCurrencies } from '../../gateway/src/currencies.js';
import { currencyExponent, formatMoney } from '../src/index.js';

describe('one money string everywhere', () => {
  it('the shop and the console show a HUF sale of 17,500 minor units the same way', () => {
    const shown = formatMoney(17500, 'huf');
    expect(shown).toBe('HUF\u00a0175.00');
    expect(money(17500, 'huf')).toBe(shown);
    const page = catalogPage([{ id: 1, permalink: 'p', name: 'P', description: '', price: 17500, currency: 'huf', delivery: 'x.txt' }]);
    expect(page).toContain(`<p class="price">${shown}</p>`);
  });

  it("the gateway's minimum charges are Stripe's, read with our exponents", () => {
    // Stripe's documented minimums, in major units (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
    const stripe: Record<string, string> = { usd: '0.50', eur: '0.50', gbp: '0.30', jpy: '50', huf: '175.00', czk: '15.00', mxn: '10.00', sek: '3.00', dkk: '2.50', hkd: '4.00', thb: '10.00' };
    for (const [code, major] of Object.entries(stripe)) expect(formatMoney(minimumAmount(code), code), code).toMatch(new RegExp(`(^|[^\\d.,])${major.replace('.', '\\.')}$`));
    // Every gateway currency is one we know the exponent of: none is three-decimal, the zero-decimal ones are jpy and krw.
    expect(supportedCurrencies().filter((c) => currencyExponent(c) === 0)).toEqual(['jpy', 'krw']);
    expect(supportedCurrencies().filter((c) => currencyExponent(c) === 3)).toEqual([]);
  });
});
