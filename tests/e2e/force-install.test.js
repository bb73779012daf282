/**
 * Deployment as IT does it: no --load-extension. ExtensionInstallForcelist points Chromium at
 * an update manifest; it downloads target/lifeguard.crx (signed by scripts/build-extension.sh
 * with the City's key), installs it under the id that key gives, hands it its managed
 * configuration, and the extension syncs with the server and enforces the policy.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { extensionId, removeManagedPolicy, writeManagedPolicy } from '../lib/browser.js';
import { LifeguardServer } from '../lib/server.js';
import { FakeSites, SERVER_HOST } from '../lib/sites.js';
import { ROOT, cleanup, freePort, tempDir, waitFor } from '../lib/util.js';

const id = extensionId();
/** @type {LifeguardServer} */
let server;
/** @type {FakeSites} */
let sites;
/** @type {http.Server} */
let updates;
/** @type {import('playwright-core').BrowserContext} */
let context;
const dirs = [tempDir('lifeguard-sites-'), tempDir('lifeguard-profile-')];

before(async () => {
  server = new LifeguardServer({ department: 'finance' });
  await server.start();
  sites = new FakeSites(dirs[0], () => server.url);
  await sites.start();
  // The update server, as `lifeguard serve` or any static host would be.
  const port = await freePort();
  const crx = fs.readFileSync(path.join(ROOT, 'target', 'lifeguard.crx'));
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, 'manifest', 'manifest.json'), 'utf8')).version;
  updates = http.createServer((req, res) => {
    if (req.url?.startsWith('/update.xml')) {
      res.writeHead(200, { 'Content-Type': 'application/xml' });
      res.end(`<?xml version='1.0' encoding='UTF-8'?><gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'><app appid='${id}'><updatecheck codebase='http://127.0.0.1:${port}/lifeguard.crx' version='${version}' /></app></gupdate>`);
    } else if (req.url === '/lifeguard.crx') {
      res.writeHead(200, { 'Content-Type': 'application/x-chrome-extension' });
      res.end(crx);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((r) => updates.listen(port, '127.0.0.1', () => r(undefined)));
  writeManagedPolicy(
    { serverUrl: `https://${SERVER_HOST}`, deviceToken: server.deviceToken, department: 'finance', policyPublicKey: server.publicKey },
    {
      ExtensionInstallForcelist: [`${id};http://127.0.0.1:${port}/update.xml`],
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
  await new Promise((r) => (updates ? updates.close(() => r(undefined)) : r(undefined)));
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
