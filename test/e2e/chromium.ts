import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium; `.ci/run` installs the `chromium` package when it is missing. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Launches Debian's Chromium headless, with a fresh profile (playwright gives every launch a new temporary
 * --user-data-dir and removes it on close; it refuses one passed in the arguments). Without the
 * background-networking flags Chromium keeps reaching for Google's services, and on a closed network its
 * own connections to the page are refused while it waits.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
