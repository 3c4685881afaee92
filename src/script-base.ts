// The script tag's URL, read while it runs (later, document.currentScript no longer names it): its
// chunks — the sending side, the deferred code, the on-demand code — are fetched from beside it.
export const base = import.meta.url;
