/** Headless Chromium for the report tests: Debian's binary, launched with the flags this sandbox needs. */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** Path of an installed Chromium, or null (the CI script installs Debian's `chromium`). */
export function findChromium(): string | null {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;
}

/** Launch headless Chromium; without the networking flags its background connections hit the closed network. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
