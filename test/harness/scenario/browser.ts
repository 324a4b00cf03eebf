// Headless Chromium from Debian's `chromium` package (/usr/bin/chromium), driven by playwright-core,
// which downloads no browser of its own. As root Chromium needs --no-sandbox; /dev/shm is small in
// containers, hence --disable-dev-shm-usage. Screenshots go to .tmp/screenshots/ (git- and
// lint-ignored) so a person can look at them after a run.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT } from '../binaries.ts';

export const CHROMIUM = process.env.KREBOOT_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, '.tmp', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (scripts/setup.sh installs it)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'] });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, name);
}
