/**
 * Debian's Chromium, headless, driven by playwright-core: 5.1's chat page and
 * the rendering of perf.html both launch it here, with one set of flags.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.SHIPSHAPE_CHROMIUM ?? '/usr/bin/chromium';

/** Without the background-networking flags Chromium's own connections are refused on a closed network. */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // A page from a public origin calling a loopback backend (a deployed frontend's origin tried against a target
  // on this machine) is blocked by Local Network Access before CORS is asked: CORS is what 5.1 judges.
  '--disable-features=LocalNetworkAccessChecks,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium is not at ${chromiumPath} (npm run setup installs Debian's chromium; SHIPSHAPE_CHROMIUM names another)`,
    );
  }
  // launch() gives every browser a fresh temporary profile (user-data dir), removed on close.
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true, timeout: 60_000 });
}

/**
 * A local HTML file as a full-page PNG, with the browser offline: what a reader
 * of the report sees, and proof the page needs no network.
 */
export async function screenshotFile(htmlFile: string, pngFile: string, width = 1100): Promise<void> {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext({ offline: true, viewport: { width, height: 900 } });
    const page = await context.newPage();
    await page.goto(`file://${htmlFile}`);
    await page.screenshot({ path: pngFile, fullPage: true });
  } finally {
    await browser.close();
  }
}
