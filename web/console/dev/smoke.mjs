#!/usr/bin/env node
// Optional browser smoke test: starts the mock server (frozen simulation, so only actions change
// state) on a free port, drives the built console in headless Chromium through every page and
// action, and checks what a person would see. Needs playwright-core (not a dependency of the
// console; see dev/screenshot.mjs) and a built dist (`npm run build`).
//
//   PLAYWRIGHT_CORE=/tmp/pw/node_modules/playwright-core node dev/smoke.mjs [--chromium /usr/bin/chromium]

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const executablePath = argv.includes('--chromium') ? argv[argv.indexOf('--chromium') + 1] : '/usr/bin/chromium';

let chromium;
try {
  ({ chromium } = createRequire(import.meta.url)(process.env.PLAYWRIGHT_CORE || 'playwright-core'));
} catch {
  console.error('playwright-core is not installed; see dev/screenshot.mjs');
  process.exit(2);
}

const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const mock = spawn(process.execPath, [join(here, 'mock-server.mjs'), '--port', String(port), '--tick-ms', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((res, rej) => {
  mock.stdout.on('data', (d) => String(d).includes('mock console backend') && res());
  mock.on('exit', (code) => rej(new Error(`mock server exited with ${code}`)));
});
const base = `http://127.0.0.1:${port}/`;

const browser = await chromium.launch({
  executablePath,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
let passed = 0;
let failed = 0;
const errors = [];

async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(e.message ?? e).split('\n').join('\n  ')}`);
  }
}

try {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(5000);
  page.on('pageerror', (e) => errors.push(e.message));
  const expectText = async (locator, re) => {
    try {
      await locator.filter({ hasText: re }).first().waitFor();
    } catch (e) {
      throw new Error(`${e.message.split("\n")[0]}; saw: ${JSON.stringify(await locator.allTextContents().catch(() => []))} at ${page.url()}`);
    }
  };

  await step('login refuses a bad token with the API error', async () => {
    await page.goto(base);
    await page.getByLabel('Access token').fill('nope');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByRole('alert'), /does not accept this token/);
  });

  await step('login with the dev token shows the fleet and the user', async () => {
    await page.getByLabel('Access token').fill('dev-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.equal(await page.getByTestId('whoami').textContent(), 'alice@example.com');
    await expectText(page.getByTestId('cluster-count'), /^3 clusters/);
    assert.equal(await page.getByTestId('cluster-card').count(), 3);
    const ap = page.locator('[data-testid=cluster-card][data-cluster=ap-south-1]');
    await expectText(ap, /Unreachable/);
    await expectText(ap, /ProbeFailed/);
    await page.locator('[data-testid=live-indicator][data-state=live]').waitFor();
  });

  await step('no horizontal scrolling at 1366x768 on any page', async () => {
    for (const h of ['#/clusters', '#/apps', '#/apps/shop/web', '#/autoscalers', '#/tuning', '#/audit']) {
      await page.goto(base + h);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(200);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `${h} overflows by ${overflow}px`);
    }
  });

  await step('applications table lists every application with its distribution', async () => {
    await page.goto(base + '#/apps');
    await page.getByTestId('app-row').first().waitFor();
    const apps = await page.getByTestId('app-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-app')));
    assert.deepEqual(apps, ['billing/ledger', 'shop/cart', 'shop/web', 'team-a/api']);
    await expectText(page.locator('[data-app="shop/web"]'), /Progressing/);
  });

  await step('scale: success is announced and the table follows without a reload', async () => {
    await page.goto(base + '#/apps/shop/web');
    await expectText(page.getByTestId('rollout-phase'), /^Progressing$/);
    await page.getByLabel('Replicas').fill('8');
    await page.getByRole('button', { name: 'Scale', exact: true }).click();
    await expectText(page.getByTestId('scale-status'), /Scaled shop\/web to 8 replicas/);
    await expectText(page.locator('main [data-testid=app-replicas]').first(), /\/8$/);
  });

  await step('scale: a 403 shows the API server reason in an alert', async () => {
    await page.goto(base + '#/apps/billing/ledger');
    await page.getByLabel('Replicas').fill('5');
    await page.getByRole('button', { name: 'Scale', exact: true }).click();
    await expectText(page.getByRole('alert'), /Forbidden: .*cannot patch resource "applications\/scale"/);
  });

  await step('rollout: Pause asks first, then the phase turns Paused live', async () => {
    await page.goto(base + '#/apps/shop/web');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('group', { name: /Pause the rollout/ }).waitFor();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expectText(page.getByTestId('rollout-phase'), /^Paused$/);
    await expectText(page.getByTestId('rollout-reason'), /UserPaused/);
  });

  await step('rollout: Cancel leaves things as they are', async () => {
    await page.getByRole('button', { name: 'Abort', exact: true }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Abort', exact: true }).waitFor();
    await expectText(page.getByTestId('rollout-phase'), /^Paused$/);
  });

  await step('rollout: Promote without a gate shows the conflict', async () => {
    await page.getByRole('button', { name: 'Promote', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expectText(page.getByTestId('rollout-action-status').getByRole('alert'), /not waiting at a gate/);
  });

  await step('rollout: Resume then Promote fully releases everywhere', async () => {
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expectText(page.getByTestId('rollout-phase'), /^Progressing$/);
    await page.getByRole('button', { name: 'Promote fully' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expectText(page.getByTestId('rollout-phase'), /^Succeeded$/);
  });

  await step('live: a change made in another tab shows up without a reload', async () => {
    const other = await ctx.newPage();
    other.on('pageerror', (e) => errors.push(e.message));
    await other.goto(base + '#/apps');
    await expectText(other.locator('[data-app="shop/cart"] [data-testid=app-replicas]'), /^3\/6$/);
    await page.goto(base + '#/apps/shop/cart');
    await page.getByLabel('Replicas').fill('5');
    await page.getByRole('button', { name: 'Scale', exact: true }).click();
    await expectText(other.locator('[data-app="shop/cart"] [data-testid=app-replicas]'), /\/10$/);
    await other.close();
  });

  await step('revisions: undo to an old revision adds a revision', async () => {
    await page.goto(base + '#/apps/team-a/api');
    await page.getByTestId('revision-row').first().waitFor();
    assert.equal(await page.getByTestId('revision-row').count(), 3);
    await page.locator('[data-testid=revision-row][data-revision="2"]').getByRole('button', { name: 'Undo to this revision' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await expectText(page.getByTestId('undo-status'), /Undo to revision 2 requested/);
    await page.locator('[data-testid=revision-row][data-revision="4"]').waitFor();
    await expectText(page.locator('[data-testid=revision-row][data-revision="4"]'), /undo to revision 2/);
  });

  await step('autoscalers: numbers and a chart', async () => {
    await page.goto(base + '#/autoscalers/shop/web');
    await expectText(page.getByTestId('fa-max'), /^24$/);
    assert.equal(await page.getByTestId('autoscaler').count(), 1);
    assert.ok((await page.getByTestId('autoscaler-chart').locator('svg path.line').count()) >= 1);
  });

  await step('tuning: Recommend mode is labelled; revert adds a revision', async () => {
    await page.goto(base + '#/tuning');
    await expectText(page.locator('[data-policy="billing/billing-tuning"]'), /shows what Auto would do/);
    const web = page.locator('[data-policy="shop/web-tuning"]');
    await web.locator('[data-testid=tuning-revision-row][data-revision="5"]').getByRole('button', { name: 'Revert to this revision' }).click();
    await page.getByRole('button', { name: 'Confirm' }).click();
    await web.locator('[data-testid=tuning-revision-row][data-revision="8"]').waitFor();
    await expectText(web.getByTestId('policy-revision'), /^8$/);
  });

  await step('audit: the search is in the hash and filters the rows', async () => {
    await page.goto(base + '#/audit');
    assert.equal(await page.getByLabel('Since').inputValue(), '1h');
    await page.getByLabel('User').fill('bob@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(() => location.hash.includes('user=bob'));
    await expectText(page.getByTestId('audit-count'), /^1 record/);
    await expectText(page.getByTestId('audit-row'), /denied/);
    await page.reload();
    assert.equal(await page.getByLabel('User').inputValue(), 'bob@example.com');
    await expectText(page.getByTestId('audit-count'), /^1 record/);
    await page.getByLabel('User').fill('');
    await page.getByLabel('Application', { exact: true }).fill('billing/ledger');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(() => location.hash.includes('app=billing%2Fledger'));
    // bob's denied scale, and alice's from the step above
    await expectText(page.getByTestId('audit-count'), /^2 records/);
    for (const l of ['Application', 'Cluster', 'Verb']) await page.getByLabel(l, { exact: true }).waitFor();
  });

  await step('audit: actions taken in the console are recorded live', async () => {
    await page.goto(base + '#/audit?user=alice%40example.com&since=1h');
    await page.locator('[data-testid=audit-row] th').filter({ hasText: /^revert$/ }).first().waitFor();
    const verbs = await page.getByTestId('audit-row').locator('th').allTextContents();
    for (const v of ['scale', 'pause', 'resume', 'promote-full', 'undo', 'revert']) assert.ok(verbs.includes(v), `no ${v} in ${verbs}`);
  });

  await step('sign out returns to the login page', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access token').waitFor();
    await page.goto(base + '#/apps');
    await page.getByLabel('Access token').waitFor();
  });

  await step('a read-only user gets the 403 reason for an action', async () => {
    await page.getByLabel('Access token').fill('viewer-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.goto(base + '#/apps/shop/cart');
    await page.getByLabel('Replicas').fill('2');
    await page.getByRole('button', { name: 'Scale', exact: true }).click();
    await expectText(page.getByRole('alert'), /viewer@example.com" cannot patch/);
  });

  await step('no script errors', async () => {
    assert.deepEqual(errors, []);
  });
} finally {
  await browser.close();
  mock.kill('SIGTERM');
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
