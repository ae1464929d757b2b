/**
 * Launches Debian's Chromium through playwright-core for the browser tests and the benchmark.
 * Never downloads a browser: a missing /usr/bin/chromium is an error that says how to install it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO_ROOT } from '../web-demo/server.ts';

export const CHROMIUM = process.env.CGAN_CHROMIUM ?? '/usr/bin/chromium';
export const TEST_OUTPUT = resolve(DEMO_ROOT, '..', 'test-output', 'web-demo');

/**
 * Without these, Chromium keeps calling Google services, which floods a closed network with
 * requests. --no-sandbox: Chromium refuses to start its sandbox as root (CI containers).
 * --enable-unsafe-webgpu is the only flag WebGPU needs headless (SwiftShader adapter); custom
 * --enable-features would replace playwright's own, so none are passed.
 */
const QUIET_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-default-apps',
];

function chromiumArgs(opts: { webgpu: boolean }): string[] {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser tests drive Debian's chromium: ` +
        `install it with \`sudo apt-get install -y chromium\` (or set CGAN_CHROMIUM to a Chromium binary). Do ` +
        `not use \`npx playwright install\`.`,
    );
  }
  const args = [...QUIET_FLAGS];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  if (opts.webgpu) args.push('--enable-unsafe-webgpu');
  return args;
}

export async function launchChromium(opts: { webgpu: boolean }): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(opts) });
}

/**
 * Chromium with a profile on disk (`userDataDir`, empty for a first visit): its HTTP cache keeps
 * large files, where an incognito context's in-memory cache drops the 14-28 MB wasm.
 */
export async function launchChromiumProfile(userDataDir: string, opts: { webgpu: boolean }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(opts),
  });
}

/** Collects console errors and page errors, for the no-errors check and for failure messages. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Records every URL the page asks for, so tests can check nothing leaves the demo server. */
export function watchRequests(page: Page): string[] {
  const urls: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

export function screenshotPath(name: string): string {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  return resolve(TEST_OUTPUT, name);
}
