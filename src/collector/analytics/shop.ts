// A synthetic shop: visitors arriving through campaigns over several weeks, in sessions of page
// views, product views, carts, checkouts and orders, some identifying themselves, each exposed to
// an A/B test whose variant lifts the checkout-to-order rate. Deterministic for a seed. The
// playground's Analytics panel, the analytics benchmark (10,000,000 events) and tests use it.
import { gammaSampler, seededRandom } from '../../random.js';
import type { StoredEvent } from '../types.js';

export interface ShopOptions {
  visitors: number;
  /** Days the visitors arrive over. Default 28. */
  days?: number;
  /** The first day, ms since the epoch. Default 2026-10-05 (a Monday). */
  start?: number;
  seed?: number;
  /** Default `shop`. */
  app?: string;
  /** The A/B test: `checkout-button`, variants `control` and `green`; green multiplies the order rate by 1 + lift. Default lift 0.15. */
  lift?: number;
  /**
   * After each repeat order, a customer leaves for good with their own probability p ~ Beta(0.8,
   * 0.8·(1 − churn)/churn) — mean `churn`, most rarely leaving, some soon — as BG/NBD models
   * drop-out. Default 0: visitors keep coming back until the last day (the analytics benchmark's
   * data).
   */
  churn?: number;
}

const DAY = 86_400_000;

/** The campaigns a session arrives through, with their share of sessions. */
const CHANNELS: { share: number; url?: string; referrer?: string }[] = [
  { share: 0.3, url: '?utm_source=google&utm_medium=cpc' },
  { share: 0.1, url: '?utm_source=newsletter&utm_medium=email' },
  { share: 0.15, referrer: 'https://facebook.com/' },
  { share: 0.1, referrer: 'https://duckduckgo.com/' },
  { share: 0.35 },
];

/** The events, visitor by visitor (each visitor's in time order). */
export function* shopEvents(options: ShopOptions): Generator<StoredEvent> {
  const { visitors, days = 28, start = Date.UTC(2026, 9, 5), seed = 1, app = 'shop', lift = 0.15, churn = 0 } = options;
  if (!(churn >= 0 && churn < 1)) throw new TypeError(`shopEvents(): churn must be in [0, 1), got ${String(churn)}`);
  if (!Number.isInteger(visitors) || visitors < 0) throw new TypeError(`shopEvents(): visitors must be a non-negative integer, got ${String(visitors)}`);
  const rnd = seededRandom(seed);
  const gamma = gammaSampler(rnd);
  const exp = (mean: number) => -Math.log(1 - rnd()) * mean;
  const end = start + days * DAY;
  for (let v = 0; v < visitors; v++) {
    // Ids carry the seed: shops of different seeds in one store are different people.
    const anonymousId = `${app}-${seed}-anon-${v}`;
    const user = `${app}-${seed}-user-${v}`;
    const identifies = rnd() < 0.35;
    let userId: string | null = null;
    const variant = rnd() < 0.5 ? 'control' : 'green';
    // Drawn only with churn, so churn = 0 leaves the random stream as it was. With churn, visitors
    // also come back at their own pace (the mean gap between sessions × Gamma(1.5)/1.5, mean 1):
    // purchase rates differ between customers, as BG/NBD's Gamma-distributed λ says.
    let leaves = 0;
    let pace = 1;
    if (churn > 0) {
      const g = gamma(0.8);
      leaves = g / (g + gamma((0.8 * (1 - churn)) / churn));
      pace = 1.5 / Math.max(gamma(1.5), 0.05);
    }
    let gone = false;
    let orders = 0;
    let n = 0;
    let t = start + rnd() * days * DAY;
    // At most 30 sessions a visitor (with churn, customers leave by it instead: no cap).
    for (let s = 0; t < end && (churn > 0 || s < 30); s++) {
      const sessionId = `${app}-${seed}-s-${v}-${s}`;
      const r = rnd();
      let acc = 0;
      const channel = CHANNELS.find((c) => (acc += c.share) > r) ?? CHANNELS[CHANNELS.length - 1]!;
      const event = (type: string, name: string, properties: Record<string, unknown>, context: Record<string, unknown> | null = null): StoredEvent => {
        t += exp(40_000);
        const ts = new Date(Math.floor(t)).toISOString();
        return { id: `${app}-${seed}-${v}-${n++}`, app, type, name, timestamp: ts, receivedAt: ts, batchId: `${app}-${seed}-batch-${v}`, sessionId, anonymousId, userId, traceId: null, spanId: null, properties, context };
      };
      yield event('page', '/', {}, { page: { url: `https://shop.example/${channel.url ?? ''}`, path: '/', referrer: channel.referrer ?? '' } });
      if (s === 0) yield event('track', '$experiment', { experiment: 'checkout-button', variant });
      if (rnd() < 0.3) {
        // A bounce: one page, then gone.
        t += exp(4 * DAY * pace);
        continue;
      }
      let basket = 0;
      const views = 1 + Math.floor(exp(1.5));
      for (let i = 0; i < views; i++) {
        const price = Math.round((5 + exp(30)) * 100) / 100;
        yield event('track', 'product_viewed', { product: `sku-${Math.floor(rnd() * 500)}`, price });
        if (rnd() < 0.25) basket += price;
      }
      if (basket > 0 || rnd() < 0.1) {
        yield event('track', 'add_to_cart', { value: basket });
        if (rnd() < 0.55) {
          yield event('track', 'checkout_started', { value: basket });
          if (rnd() < 0.6 * (variant === 'green' ? 1 + lift : 1)) {
            if (identifies && userId === null) {
              userId = user;
              yield event('identify', 'identify', { plan: rnd() < 0.2 ? 'pro' : 'free' });
            }
            yield event('track', 'order_completed', { amount: Math.round(Math.max(basket, 5) * 100) / 100, currency: 'EUR' });
            // BG/NBD's drop-out follows repeat purchases only (its first purchase starts the clock).
            orders++;
            gone = leaves > 0 && orders > 1 && rnd() < leaves;
          }
        }
      }
      t += exp(4 * DAY * pace);
      if (gone) break;
    }
  }
}

/** The whole shop as an array (small shops: the playground, tests). */
export function syntheticShop(options: ShopOptions): StoredEvent[] {
  return [...shopEvents(options)];
}
