// Autocapture from the page's first script. Its code is deferred (deferred.ts, fetched as the
// client starts when an option asks for it): until it arrives the errors the page raises are kept
// for it (at most 100), then it is installed with the client's hooks.
import type { DeferredModule } from '../load-deferred.js';
import type { AutocaptureHooks, AutocaptureOptions } from './autocapture.js';

export interface AutocaptureStart {
  /** Resolves once autocapture is installed (or its code failed to load: reported by the loader). */
  readonly ready: Promise<void>;
  /** Undoes it; code arriving later installs nothing. */
  stop(): void;
}

/**
 * `hooks` without `ownEndpoints`: those are derived from `endpoints` (the SDK's own requests are
 * not the page's traffic). `code`: the deferred module, or how to load it.
 */
export function startAutocapture(
  options: AutocaptureOptions,
  hooks: Omit<AutocaptureHooks, 'ownEndpoints'>,
  endpoints: (string | undefined)[],
  code: DeferredModule | (() => Promise<DeferredModule>),
): AutocaptureStart {
  const cleanups: (() => void)[] = [];
  let stopped = false;
  let ready = Promise.resolve();
  if (typeof window !== 'undefined' && typeof window.addEventListener === 'function' && (options.pageviews || options.errors || options.network || options.webVitals)) {
    const early: Event[] = [];
    const keep = (e: Event) => void (early.length < 100 && early.push(e));
    const types = options.errors ? ['error', 'unhandledrejection'] : [];
    for (const t of types) window.addEventListener(t, keep);
    const stopKeeping = () => types.forEach((t) => window.removeEventListener(t, keep));
    cleanups.push(stopKeeping);
    const install = (m: DeferredModule) => {
      stopKeeping();
      if (stopped) return;
      const ownEndpoints = endpoints.map((e) => {
        try {
          return e && typeof location !== 'undefined' ? new URL(e, location.href).href : (e ?? '');
        } catch {
          return e ?? '';
        }
      });
      cleanups.push(...m.installAutocapture(options, { ...hooks, ownEndpoints }, early));
    };
    if (typeof code === 'function') ready = code().then(install, stopKeeping);
    else install(code);
  }
  return {
    ready,
    stop() {
      stopped = true;
      for (const c of cleanups.splice(0)) c();
    },
  };
}
