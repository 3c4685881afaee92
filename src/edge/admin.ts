import type { EdgeClient } from './client.js';

export interface AdminOptions {
  /** Required: requests must carry `Authorization: Bearer <token>`. */
  token: string;
  /** Path prefix. Default '/__avila'. */
  prefix?: string;
  /** Which routes to serve. Default all three. */
  metrics?: boolean;
  health?: boolean;
  forecast?: boolean;
}

const MAX_HORIZON = 1000;

/** Constant-time string comparison (the token must not leak through response timing). */
function sameToken(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a.charCodeAt(i % Math.max(1, a.length)) || 0) ^ b.charCodeAt(i);
  return diff === 0;
}

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } });

/**
 * The wrapper's own read-only routes: Prometheus text, health JSON and forecasts of this isolate's
 * metrics. Off unless configured with a token; requests to them are not counted as traffic.
 */
export class AdminRoutes {
  private readonly prefix: string;

  static check(o: AdminOptions | undefined): void {
    if (o === undefined) return;
    if (!o || typeof o !== 'object') throw new TypeError('options.admin must be an object { token, prefix?, metrics?, health?, forecast? }');
    if (typeof o.token !== 'string' || o.token.length < 16) {
      throw new TypeError('options.admin.token must be a secret string of at least 16 characters: the admin routes are never served without one');
    }
    if (o.prefix !== undefined && (typeof o.prefix !== 'string' || !/^\/[A-Za-z0-9._~\-/]*[^/]$/.test(o.prefix))) {
      throw new TypeError(`options.admin.prefix must be a path like '/__avila', got ${JSON.stringify(o.prefix)}`);
    }
  }

  constructor(
    private readonly o: AdminOptions,
    private readonly client: EdgeClient,
    private readonly routeOverflow: () => number,
  ) {
    this.prefix = o.prefix ?? '/__avila';
  }

  handles(path: string): boolean {
    return path.startsWith(this.prefix + '/');
  }

  async serve(request: Request, path: string): Promise<Response> {
    try {
      const auth = request.headers.get('authorization') ?? '';
      if (!auth.startsWith('Bearer ') || !sameToken(auth.slice(7), this.o.token)) {
        return new Response('unauthorized\n', { status: 401, headers: { 'www-authenticate': 'Bearer realm="avila-telemetry"' } });
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed\n', { status: 405, headers: { allow: 'GET, HEAD' } });
      const route = path.slice(this.prefix.length);
      if (route === '/metrics' && this.o.metrics !== false) return await this.metrics();
      if (route === '/health' && this.o.health !== false) return await this.health();
      if (route === '/forecast' && this.o.forecast !== false) return await this.forecast(new URL(request.url).searchParams);
      return new Response('not found\n', { status: 404 });
    } catch (e) {
      return json({ error: String((e as Error)?.message ?? e) }, 500);
    }
  }

  private async metrics(): Promise<Response> {
    const d = await this.client.deliveryStats();
    const extra = [
      '# HELP avila_delivery_events_sent_total Events delivered to the collector by this isolate',
      '# TYPE avila_delivery_events_sent_total counter',
      `avila_delivery_events_sent_total ${d.eventsSent}`,
      '# HELP avila_delivery_retries_total Batch sends retried',
      '# TYPE avila_delivery_retries_total counter',
      `avila_delivery_retries_total ${d.retries}`,
      '# HELP avila_delivery_queued_events Events waiting to be sent',
      '# TYPE avila_delivery_queued_events gauge',
      `avila_delivery_queued_events ${d.queued}`,
      '# HELP avila_route_overflow_total Requests whose route was reported as {other} (route cap reached)',
      '# TYPE avila_route_overflow_total counter',
      `avila_route_overflow_total ${this.routeOverflow()}`,
    ].join('\n');
    return new Response(this.client.metricsText() + extra + '\n', { headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' } });
  }

  private async health(): Promise<Response> {
    const runtime = this.client.health();
    const delivery = await this.client.deliveryStats();
    const status = runtime?.status ?? 'starting';
    return json({ status, runtime, delivery, diagnostics: this.client.diagnostics() }, status === 'unhealthy' ? 503 : 200);
  }

  private async forecast(q: URLSearchParams): Promise<Response> {
    const metric = q.get('metric');
    if (!metric) return json({ error: 'metric: required, e.g. ?metric=http.server.duration&horizon=12' }, 400);
    const horizon = Number(q.get('horizon') ?? 12);
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON) return json({ error: `horizon: an integer from 1 to ${MAX_HORIZON}, got ${q.get('horizon')}` }, 400);
    const errors: string[] = [];
    const off = this.client.on('error', (e) => errors.push(e.message));
    try {
      const f = await this.client.forecast(metric, { horizon });
      if (!f) return json({ error: errors[errors.length - 1] ?? `no forecast for ${metric}` }, 422);
      return json(f);
    } finally {
      off();
    }
  }
}
