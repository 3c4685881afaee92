// Stands in for Node-only packages (miniflare) in the browser bundles of Node-only benches,
// which are loaded there only to read their `envs`.
export class Miniflare {}
