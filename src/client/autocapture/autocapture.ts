// Opt-in automatic capture in browsers: page views on history navigation, uncaught errors and
// unhandled rejections, fetch/XHR latency and status, and Web Vitals (through `web-vitals`,
// loaded with the on-demand code: see web-vitals.ts). This code is deferred (deferred.ts),
// fetched as the client starts when an option asks for it; errors raised meanwhile are kept for it
// (client.ts), while navigations and requests before it arrives are not seen.
import { scrubUrl } from '../scrub.js';

const OWN_REQUEST = Symbol.for('avila-telemetry.own-request');

export interface AutocaptureOptions {
  /** `page()` on pushState/popstate. */
  pageviews?: boolean;
  /** `$exception` events for uncaught errors and unhandled rejections. */
  errors?: boolean;
  /**
   * fetch and XMLHttpRequest: histogram `http.client.duration` (ms) and counters
   * `http.client.requests` / `http.client.errors` (status ≥ 500 or network failure), by method,
   * host and status class. Requests to the SDK's own endpoints are not counted.
   */
  network?: boolean;
  /** LCP, INP, CLS, FCP and TTFB: histograms `web_vitals.<name>` by rating, and a `$web_vitals` event each. */
  webVitals?: boolean;
}

export interface AutocaptureHooks {
  page(): void;
  track(name: string, properties: Record<string, unknown>): void;
  record(metric: string, unit: string, value: number, attributes: Record<string, string>): void;
  count(metric: string, attributes: Record<string, string>): void;
  /** URL prefixes the SDK itself sends to. */
  ownEndpoints: string[];
  /** Starts Web Vitals capture (its code loads on demand). */
  webVitals(): void;
}

/**
 * Installs what `options` asks for; returns the functions that undo it. `early`: error events the
 * page raised while this code was loading, captured first.
 */
export function installAutocapture(options: AutocaptureOptions, hooks: AutocaptureHooks, early: Event[] = []): (() => void)[] {
  const cleanups: (() => void)[] = [];
  if (typeof window === 'undefined' || typeof window.addEventListener !== 'function') return cleanups;
  if (options.pageviews) pageviews(hooks, cleanups);
  if (options.errors) errors(hooks, cleanups, early);
  if (options.network) network(hooks, cleanups);
  if (options.webVitals) hooks.webVitals();
  return cleanups;
}

function pageviews(hooks: AutocaptureHooks, cleanups: (() => void)[]): void {
  const onNav = () => hooks.page();
  const original = history.pushState;
  history.pushState = function (this: History, ...args: Parameters<History['pushState']>) {
    const r = original.apply(this, args);
    onNav();
    return r;
  };
  cleanups.push(() => (history.pushState = original));
  window.addEventListener('popstate', onNav);
  cleanups.push(() => window.removeEventListener('popstate', onNav));
}

function errors(hooks: AutocaptureHooks, cleanups: (() => void)[], early: Event[]): void {
  const onError = (e: ErrorEvent) =>
    hooks.track('$exception', { message: e.message, source: e.filename ? scrubUrl(e.filename) : undefined, line: e.lineno, column: e.colno, stack: e.error?.stack });
  const onRejection = (e: PromiseRejectionEvent) =>
    hooks.track('$exception', { message: String(e.reason?.message ?? e.reason), stack: e.reason?.stack, unhandledRejection: true });
  for (const e of early) {
    if (e.type === 'error') onError(e as ErrorEvent);
    else onRejection(e as PromiseRejectionEvent);
  }
  window.addEventListener('error', onError);
  window.addEventListener('unhandledrejection', onRejection);
  cleanups.push(() => window.removeEventListener('error', onError), () => window.removeEventListener('unhandledrejection', onRejection));
}

/** Records one finished request (status 0: network failure). Never throws. */
function requestDone(hooks: AutocaptureHooks, method: string, url: string, status: number, ms: number): void {
  try {
    const absolute = new URL(url, location.href).href;
    if (hooks.ownEndpoints.some((e) => e && absolute.startsWith(e))) return;
    const attributes = {
      method: method.toUpperCase(),
      host: new URL(absolute).host,
      status_class: status === 0 ? 'error' : `${Math.floor(status / 100)}xx`,
    };
    hooks.record('http.client.duration', 'ms', ms, attributes);
    hooks.count('http.client.requests', attributes);
    if (status === 0 || status >= 500) hooks.count('http.client.errors', attributes);
  } catch {
    // An unparsable URL is not worth an error report from inside someone else's request.
  }
}

function network(hooks: AutocaptureHooks, cleanups: (() => void)[]): void {
  if (typeof window.fetch === 'function') {
    const original = window.fetch;
    window.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      const started = performance.now();
      const promise = original.call(this ?? window, input, init);
      // The SDK's own requests (kernels.wasm) are marked: not the page's traffic.
      if (init && (init as Record<symbol, unknown>)[OWN_REQUEST]) return promise;
      try {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const method = init?.method ?? (typeof input === 'object' && 'method' in input ? input.method : 'GET');
        promise.then(
          (res) => requestDone(hooks, method, url, res.status, performance.now() - started),
          () => requestDone(hooks, method, url, 0, performance.now() - started),
        );
      } catch {
        // The host's request goes on untouched.
      }
      return promise;
    } as typeof window.fetch;
    cleanups.push(() => (window.fetch = original));
  }
  if (typeof XMLHttpRequest === 'function') {
    const proto = XMLHttpRequest.prototype;
    const open = proto.open;
    const send = proto.send;
    const requests = new WeakMap<XMLHttpRequest, { method: string; url: string }>();
    proto.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
      requests.set(this, { method, url: String(url) });
      return (open as (...a: unknown[]) => void).call(this, method, url, ...rest);
    } as typeof proto.open;
    proto.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
      const info = requests.get(this);
      if (info) {
        const started = performance.now();
        this.addEventListener('loadend', () => requestDone(hooks, info.method, info.url, this.status, performance.now() - started));
      }
      return send.call(this, body);
    };
    cleanups.push(() => {
      proto.open = open;
      proto.send = send;
    });
  }
}
