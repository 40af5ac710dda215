/**
 * Debian's Chromium for the browser tests, through playwright-core (which never downloads a
 * browser). Started with the flags this offline machine needs: without the background-networking
 * ones Chromium keeps opening connections that the closed network refuses.
 */
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
export const SCREENSHOTS = new URL("../browser/screenshots/", import.meta.url).pathname;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-quic",
    ],
  });
}
