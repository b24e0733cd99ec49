/** The one way the dashboard tests start a browser: Debian's Chromium (npm test's set-up installs it), headless. */
import { chromium, type Browser } from 'playwright-core';

export async function launchChromium(): Promise<Browser> {
  try {
    return await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  } catch (err) {
    throw new Error(`Chromium did not start from /usr/bin/chromium (npm test's set-up installs Debian's chromium): ${(err as Error).message}`);
  }
}
