import { type Html, html } from '@errand/web';

export interface LayoutOptions {
  title: string;
  body: Html;
  /** Extra <script src> in order (Stripe.js, then our bundle). No inline scripts: the CSP forbids them. */
  scripts?: string[];
}

export function layout(o: LayoutOptions): string {
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${o.title} · Errand Shop</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/shop.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><a href="/" class="brand">Errand Shop</a></header>
<main id="main" tabindex="-1">
${o.body}
</main>
<footer class="foot"><p>Payments are processed in the background by Errand. Card details go straight to the payment processor; this shop never sees them.</p></footer>
${(o.scripts ?? []).map((src) => html`<script src="${src}" defer></script>\n`)}
</body>
</html>`}`;
}
