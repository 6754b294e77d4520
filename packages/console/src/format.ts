/**
 * Display helpers for the pages, from @errand/web (here `#web`). `money` is its formatMoney:
 * one table of currency exponents for the console and the shop.
 */
export { absolute, badge, capped, duration, formatMoney as money, num, truncate, when } from '#web';
