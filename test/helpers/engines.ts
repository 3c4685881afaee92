// One page-driving harness for three browser engines, all from Debian (never a downloaded build):
// Chromium through playwright-core, Firefox ESR through puppeteer-core over WebDriver BiDi, and
// WebKitGTK's MiniBrowser through WebKitWebDriver and selenium-webdriver on a private Xvfb
// display (MiniBrowser has no headless mode). 'webkit-nosimd' is WebKit with WebAssembly SIMD
// turned off (JSC_useWasmSIMD=false), for the no-SIMD kernels.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from './chromium.js';

export type EngineName = 'chromium' | 'firefox' | 'webkit' | 'webkit-nosimd';

export interface EnginePage {
  goto(url: string): Promise<void>;
  /**
   * Runs `fn(arg)` in the page and returns its (JSON) result. `fn` is sent as source: it may use
   * only its argument and the page's globals.
   */
  run<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  close(): Promise<void>;
}

export interface Engine {
  name: EngineName;
  /** Browser name and version, as the engine reports it. */
  version: string;
  newPage(): Promise<EnginePage>;
  close(): Promise<void>;
}

const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
const WEBKIT_DRIVER = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
const MINIBROWSER = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
const XVFB = '/usr/bin/Xvfb';

/** Why `name` cannot run here, or null. */
export function missing(name: EngineName): string | null {
  const need: Record<EngineName, string[]> = {
    chromium: [chromiumPath],
    firefox: [FIREFOX],
    webkit: [WEBKIT_DRIVER, MINIBROWSER, XVFB],
    'webkit-nosimd': [WEBKIT_DRIVER, MINIBROWSER, XVFB],
  };
  const absent = need[name].filter((p) => !existsSync(p));
  return absent.length ? `not installed: ${absent.join(', ')}` : null;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

const waitFor = async (cond: () => boolean | Promise<boolean>, ms: number, what: string) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** A function's source wrapped to be called with one JSON argument. */
const source = (fn: (arg: never) => unknown) => `(${fn.toString()})`;

/** Playwright's and Puppeteer's pages evaluate a string expression the same way. */
interface EvaluatingPage {
  goto(url: string): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
  close(): Promise<void>;
}

function evaluatingPage(page: EvaluatingPage): EnginePage {
  return {
    goto: async (url) => void (await page.goto(url)),
    run: (fn, arg) => page.evaluate(`${source(fn as never)}(${JSON.stringify(arg)})`) as never,
    close: () => page.close(),
  };
}

async function launchChromium(): Promise<Engine> {
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  return {
    name: 'chromium',
    version: `Chromium ${browser.version()}`,
    newPage: async () => evaluatingPage(await browser.newPage()),
    close: () => browser.close(),
  };
}

async function launchFirefox(): Promise<Engine> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true, args: ['--no-remote'] });
  return {
    name: 'firefox',
    version: await browser.version(),
    newPage: async () => evaluatingPage((await browser.newPage()) as unknown as EvaluatingPage),
    close: () => browser.close(),
  };
}

async function launchWebKit(simd: boolean): Promise<Engine> {
  const { Builder } = await import('selenium-webdriver');
  const children: ChildProcess[] = [];
  const kill = () => {
    for (const c of children.reverse()) c.kill('SIGKILL');
  };
  try {
    // A display of our own: the first free number from 90.
    let display = 90;
    while (existsSync(`/tmp/.X11-unix/X${display}`) || existsSync(`/tmp/.X${display}-lock`)) display++;
    const xvfb = spawn(XVFB, [`:${display}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' });
    children.push(xvfb);
    await waitFor(() => existsSync(`/tmp/.X11-unix/X${display}`), 10_000, 'Xvfb');
    const port = await freePort();
    const env = { ...process.env, DISPLAY: `:${display}`, ...(simd ? {} : { JSC_useWasmSIMD: 'false' }) };
    const driver = spawn(WEBKIT_DRIVER, [`--port=${port}`, '--host=127.0.0.1'], { env, stdio: 'ignore' });
    children.push(driver);
    await waitFor(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${port}/status`)).ok;
      } catch {
        return false;
      }
    }, 10_000, 'WebKitWebDriver');
    const sessions = new Set<{ quit(): Promise<void> }>();
    const open = () =>
      new Builder()
        .usingServer(`http://127.0.0.1:${port}`)
        .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } })
        .build();
    const probe = await open();
    const caps = await probe.getCapabilities();
    const version = `WebKitGTK ${String(caps.get('browserVersion'))}`;
    await probe.quit();
    return {
      name: simd ? 'webkit' : 'webkit-nosimd',
      version: `${version}${simd ? '' : ' (JSC_useWasmSIMD=false)'}`,
      async newPage() {
        // One WebDriver session (one MiniBrowser) per page: pages never share storage or workers.
        const session = await open();
        await session.manage().setTimeouts({ script: 120_000, pageLoad: 60_000 });
        sessions.add(session);
        return {
          goto: async (url) => void (await session.get(url)),
          run: async (fn, arg) => {
            const out = (await session.executeAsyncScript(
              `const done = arguments[arguments.length - 1];
               Promise.resolve().then(() => ${source(fn as never)}(arguments[0]))
                 .then((value) => done({ value: JSON.stringify(value) }), (e) => done({ error: String(e && e.stack || e) }));`,
              arg,
            )) as { value?: string; error?: string };
            if (out.error !== undefined) throw new Error(out.error);
            return (out.value === undefined ? undefined : JSON.parse(out.value)) as never;
          },
          close: async () => {
            sessions.delete(session);
            await session.quit().catch(() => {});
          },
        };
      },
      async close() {
        for (const s of sessions) await s.quit().catch(() => {});
        kill();
      },
    };
  } catch (e) {
    kill();
    throw e;
  }
}

export function launchEngine(name: EngineName): Promise<Engine> {
  if (name === 'chromium') return launchChromium();
  if (name === 'firefox') return launchFirefox();
  return launchWebKit(name === 'webkit');
}
