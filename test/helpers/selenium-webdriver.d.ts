// selenium-webdriver ships no types, and only its Builder is used (test/helpers/engines.ts).
declare module 'selenium-webdriver' {
  interface Session {
    get(url: string): Promise<void>;
    executeAsyncScript(script: string, ...args: unknown[]): Promise<unknown>;
    getCapabilities(): Promise<{ get(name: string): unknown }>;
    manage(): { setTimeouts(t: { script?: number; pageLoad?: number }): Promise<void> };
    quit(): Promise<void>;
  }
  export class Builder {
    usingServer(url: string): Builder;
    withCapabilities(caps: Record<string, unknown>): Builder;
    build(): Promise<Session> & Session;
  }
}
