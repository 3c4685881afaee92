/** The package version, replaced at build time. */
declare const __AVILA_VERSION__: string;
