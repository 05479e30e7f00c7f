#!/usr/bin/env node
// Optional: signs in to a running console (the mock server by default), opens every page at
// 1366×768 in headless Chromium, saves a full-page screenshot of each, and reports console
// errors and horizontal overflow. playwright-core is not a dependency of the console: install it
// anywhere (`npm i --prefix /tmp/pw playwright-core`) and point PLAYWRIGHT_CORE at it, or install
// it with --no-save here. Chromium comes from the system (`apt-get install chromium`).
//
//   PLAYWRIGHT_CORE=/tmp/pw/node_modules/playwright-core node dev/screenshot.mjs \
//     [--url http://127.0.0.1:8091/] [--out /tmp/console-shots] [--token dev-token] [--chromium /usr/bin/chromium]

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

function arg(name, fallback) {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return fallback;
  return argv[i].includes('=') ? argv[i].slice(argv[i].indexOf('=') + 1) : argv[i + 1];
}

const base = arg('url', 'http://127.0.0.1:8091/');
const out = arg('out', '/tmp/console-shots');
const token = arg('token', 'dev-token');
const executablePath = arg('chromium', '/usr/bin/chromium');

let chromium;
try {
  const require = createRequire(import.meta.url);
  ({ chromium } = require(process.env.PLAYWRIGHT_CORE || 'playwright-core'));
} catch {
  console.error('playwright-core is not installed: `npm i --prefix /tmp/pw playwright-core` and set PLAYWRIGHT_CORE=/tmp/pw/node_modules/playwright-core');
  process.exit(2);
}

const pages = [
  ['clusters', '#/clusters'],
  ['apps', '#/apps'],
  ['app-web', '#/apps/shop/web'],
  ['app-cart', '#/apps/shop/cart'],
  ['app-api', '#/apps/team-a/api'],
  ['autoscalers', '#/autoscalers'],
  ['tuning', '#/tuning'],
  ['audit', '#/audit?since=24h'],
];

mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
let problems = 0;
try {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  let signedIn = false;
  page.on('console', (m) => {
    // Before sign-in, whoami answers 401 by design.
    if (m.type() === 'error' && !(m.text().includes('401') && !signedIn)) {
      problems++;
      console.log(`console error: ${m.text()}`);
    }
  });
  page.on('pageerror', (e) => {
    problems++;
    console.log(`page error: ${e.message}`);
  });
  await page.goto(base);
  await page.getByLabel('Access token').fill(token);
  await page.screenshot({ path: join(out, 'login.png') });
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('whoami').waitFor();
  signedIn = true;
  for (const [name, hash] of pages) {
    await page.goto(new URL(hash, base).href);
    await page.waitForLoadState('networkidle').catch(() => {});
    await page.waitForTimeout(700);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) {
      problems++;
      console.log(`${name}: ${overflow}px of horizontal overflow at 1366 wide`);
    }
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    console.log(`${name}: ${join(out, `${name}.png`)}`);
  }
} finally {
  await browser.close();
}
process.exit(problems ? 1 : 0);
