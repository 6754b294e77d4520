/** Demo products, inserted at start unless a product with the same permalink exists. */
import type { NewProduct, ShopStore } from './types.js';

export const DEMO_PRODUCTS: NewProduct[] = [
  {
    permalink: 'field-guide',
    name: 'The Background Jobs Field Guide',
    description: 'A short guide to queues, retries, idempotency keys and leases — the ideas behind this shop.',
    price: 900,
    currency: 'usd',
    delivery: 'field-guide.txt',
  },
  {
    permalink: 'retry-poster',
    name: 'Exponential Backoff Poster',
    description: 'A printable poster of 1 s, 2 s, 4 s, 8 s… for the wall above your pager.',
    price: 500,
    currency: 'usd',
    delivery: 'retry-poster.txt',
  },
  {
    permalink: 'idempotency-stickers',
    name: 'Idempotency Sticker Pack',
    description: 'Stick them on anything you only want to happen once.',
    price: 300,
    currency: 'eur',
    delivery: 'https://example.com/errand/idempotency-stickers.pdf',
  },
];

export async function seedDemoProducts(store: ShopStore): Promise<void> {
  for (const p of DEMO_PRODUCTS) await store.seedProduct(p);
}
