// Runs in Chromium (bundled by client.test.ts): throws arbitrary values at every public method
// of the script-tag client (window.Avila) and reports what the page saw.
import fc from 'fast-check';

export async function run(config: Record<string, unknown>): Promise<{ calls: number; thrown: string[]; pageErrors: string[]; rejections: string[] }> {
  const w = window as unknown as { Avila: { init(c: unknown): Record<string, (...a: unknown[]) => unknown> } };
  const pageErrors: string[] = [];
  const rejections: string[] = [];
  window.addEventListener('error', (e) => pageErrors.push(String(e.message)));
  window.addEventListener('unhandledrejection', (e) => rejections.push(String(e.reason?.stack ?? e.reason)));
  const c = w.Avila.init(config) as any;
  const thrown: string[] = [];
  let calls = 0;
  const str = (v: unknown) => {
    try {
      return String(v);
    } catch {
      return '?';
    }
  };
  const methods: ((v: unknown, x: unknown) => unknown)[] = [
    (v, x) => c.track(v, x),
    (v) => c.page(v),
    (v, x) => c.identify(v, x),
    (v) => c.register(v),
    (v, x) => c.counter(v).add(x, v),
    (v, x) => c.gauge(str(v)).set(x, v),
    (v, x) => c.histogram(str(v)).record(x, x),
    (v, x) => c.timer(str(v), () => x),
    (v, x) => c.startSpan(v, x).setAttribute(str(v), x).addEvent(v, x).setStatus(v, x).end(x),
    (v, x) => c.injectTraceHeaders(v, x),
    (v, x) => c.watch(v, x),
    (v, x) => c.alert(v, x),
    (v, x) => c.slo(v, x),
    (v, x) => c.forecast(v, x),
    (v, x) => c.on(v, x),
    () => c.metricsText(),
    () => c.metricsSnapshot(),
    () => c.diagnostics(),
  ];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(methods.length - 1), fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }), fc.anything()), { maxLength: 20 }),
      (batch) => {
        for (const [m, v, x] of batch) {
          calls++;
          try {
            methods[m]!(v, x);
          } catch (e) {
            thrown.push(`${m}: ${(e as Error)?.message ?? String(e)}`);
          }
        }
      },
    ),
    { numRuns: 200 },
  );
  c.track('property-done', { calls });
  await c.flush();
  await new Promise((r) => setTimeout(r, 300));
  return { calls, thrown, pageErrors, rejections };
}
