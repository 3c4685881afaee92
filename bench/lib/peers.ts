// How the peer SDKs are set up in the Chromium benches: pointed at the local test collector,
// with everything that would phone elsewhere or throttle a benchmark turned off.

/** posthog-js options for `posthog.init('phc_bench', …)`. */
export function posthogBenchOptions(collectorUrl: string): Record<string, unknown> {
  return {
    opt_out_useragent_filter: true, // headless Chromium looks like a bot to PostHog
    rate_limiting: { events_per_second: 1e9, events_burst_limit: 1e9 }, // its default drops bursts
    api_host: collectorUrl,
    autocapture: false,
    capture_pageview: false,
    capture_pageleave: false,
    disable_session_recording: true,
    persistence: 'memory',
    advanced_disable_flags: true,
    disable_surveys: true,
  };
}

/**
 * `AnalyticsBrowser.load(...)` arguments for @segment/analytics-next: its settings given inline
 * (no CDN), its Segment.io destination aimed at the local test collector.
 */
export function segmentBenchSettings(collectorUrl: string): [Record<string, unknown>, Record<string, unknown>] {
  const host = new URL(collectorUrl).host;
  return [
    { writeKey: 'bench', cdnSettings: { integrations: { 'Segment.io': { apiKey: 'bench', apiHost: `${host}/segment`, protocol: 'http' } } } },
    { disableClientPersistence: true, retryQueue: false },
  ];
}
