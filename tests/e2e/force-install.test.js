/**
 * Deployment as IT does it: no --load-extension. ExtensionInstallForcelist points Chromium at
 * the update manifest `lifeguard serve` hosts; it downloads target/lifeguard.crx (packed and
 * signed with the City's key by `lifeguard extension pack`, no browser involved, and
 * published with `lifeguard extension publish`), verifies its signature, installs it under
 * the id that key gives, hands it its managed configuration, and the extension syncs with
 * the server and enforces the policy.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { extensionId, removeManagedPolicy, writeManagedPolicy } from '../lib/browser.js';
import { LifeguardServer } from '../lib/server.js';
import { FakeSites, SERVER_HOST } from '../lib/sites.js';
import { ROOT, cleanup, tempDir, waitFor } from '../lib/util.js';

const id = extensionId();
/** @type {LifeguardServer} */
let server;
/** @type {FakeSites} */
let sites;
/** @type {import('playwright-core').BrowserContext} */
let context;
const dirs = [tempDir('lifeguard-sites-'), tempDir('lifeguard-profile-')];

before(async () => {
  server = new LifeguardServer({ department: 'finance' });
  await server.start();
  sites = new FakeSites(dirs[0], () => server.url);
  await sites.start();
  // As scripts/run.sh leaves it: the CRX packed by `lifeguard extension pack` and
  // published in the server's data folder, so the same server hosts the update manifest.
  server.cli(['extension', 'publish', path.join(ROOT, 'target', 'lifeguard.crx')]);
  writeManagedPolicy(
    { serverUrl: `https://${SERVER_HOST}`, deviceToken: server.deviceToken, department: 'finance', policyPublicKey: server.publicKey },
    {
      ExtensionInstallForcelist: [`${id};${server.url}/extension/update.xml`],
      // Playwright reaches the extension's worker only with this (ENVIRONMENT.md).
      DeveloperToolsAvailability: 1,
    },
  );
  context = await chromium.launchPersistentContext(dirs[1], {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,
    // Playwright's defaults would stop the extension system and its updater.
    ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking'],
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors', `--host-resolver-rules=${sites.resolverRules()}`],
  });
});

after(async () => {
  removeManagedPolicy();
  await context?.close().catch(() => {});
  await sites?.stop();
  await server?.dispose();
  for (const d of dirs) cleanup(d);
});

test('the force-installed CRX runs under the stable id, syncs and blocks', async () => {
  const prefix = `chrome-extension://${id}/`;
  const worker = context.serviceWorkers().find((w) => w.url().startsWith(prefix)) ?? (await context.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith(prefix), timeout: 60_000 }));
  assert.equal(worker.url(), `${prefix}background/service-worker.js`);
  const page = await context.newPage();
  await page.goto(`${prefix}pages/popup/popup.html`);
  const status = await waitFor(async () => {
    const s = (await page.evaluate(() => chrome.runtime.sendMessage({ type: 'status' }))).status;
    return s.policySource === 'server' ? s : null;
  }, 'the first sync of the force-installed extension', 60_000);
  assert.equal(status.department, 'finance');
  assert.equal(status.policyVersion, 1);
  await page.goto('https://chatgpt.com/').catch(() => {});
  await waitFor(async () => page.url().startsWith(`${prefix}pages/block/block.html`), 'the block page');
  await page.getByRole('heading', { name: "This site is blocked by the City's AI policy" }).waitFor();
  const events = await waitFor(async () => {
    const e = await server.events({ kind: 'visit_blocked' });
    return e.length ? e : null;
  }, 'the blocked visit on the server');
  assert.equal(events[0].extension_id, id);
  assert.equal(events[0].department, 'finance');
});
