// The headless Chromium both browser runners use: Debian's chromium through playwright-core, with a
// profile of its own, no network beyond the test server's origin (other requests are aborted, other host
// names do not resolve), and nothing running in the background.
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.SIMDNET_CHROMIUM || '/usr/bin/chromium';

/** Launches Chromium on `userDataDir` and lets its pages reach `origin` only; `options` are playwright's. */
export async function launchChromium(userDataDir, origin, options = {}) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    ...options,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  await context.route('**/*', (route) =>
    new URL(route.request().url()).origin === origin ? route.continue() : route.abort(),
  );
  console.log(`chromium ${context.browser()?.version() ?? ''}`.trim());
  return context;
}
