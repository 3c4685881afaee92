/** What became of one request. */
export type SendOutcome =
  | { kind: 'ok'; status: number }
  | { kind: 'retry'; status: number; retryAfterMs: number | null; reason: string }
  | { kind: 'drop'; status: number; reason: string }
  | { kind: 'too_large'; status: number };

/** Retry-After: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const s = value.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const at = Date.parse(s);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * Classifies a response: 2xx delivered; 408, 429 and 5xx retried (429/503 with Retry-After);
 * 413 split or dropped as too large; any other 4xx dropped with its reason (never retried).
 */
export async function classify(response: Response): Promise<SendOutcome> {
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: 'ok', status };
  if (status === 413) return { kind: 'too_large', status };
  if (status === 408 || status === 429 || status >= 500) {
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers.get('retry-after')) : null;
    return { kind: 'retry', status, retryAfterMs, reason: `HTTP ${status}` };
  }
  let detail = '';
  try {
    detail = (await response.text()).slice(0, 200);
  } catch {}
  return { kind: 'drop', status, reason: `HTTP ${status}${detail ? `: ${detail}` : ''}` };
}

export interface PostOptions {
  url: string;
  body: string;
  headers: Record<string, string>;
  gzip: Uint8Array | null;
  keepalive?: boolean;
  fetch: typeof fetch;
  signal?: AbortSignal;
}

/** One POST. Network failures (offline, reset, CORS) are retryable outcomes, never exceptions. */
export async function post(o: PostOptions): Promise<SendOutcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...o.headers };
  if (o.gzip) headers['content-encoding'] = 'gzip';
  try {
    const response = await o.fetch(o.url, {
      method: 'POST',
      headers,
      body: (o.gzip ?? o.body) as BodyInit,
      keepalive: o.keepalive ?? false,
      credentials: 'omit',
      ...(o.signal ? { signal: o.signal } : {}),
    });
    return await classify(response);
  } catch (e) {
    return { kind: 'retry', status: 0, retryAfterMs: null, reason: `network error: ${(e as Error)?.message ?? e}` };
  }
}

/** Full-jitter exponential backoff (AWS Architecture Blog, "Exponential Backoff and Jitter", 2015). */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  return random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
}
