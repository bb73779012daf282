/**
 * Deployment as IT does it: no --load-extension. ExtensionInstallForcelist points Chromium at
 * the update manifest `lifeguard serve` hosts; it downloads target/lifeguard.crx (packed and
 * signed with the City's key by `lifeguard extension pack`, no browser involved, and
 * published with `lifeguard extension publish`), verifies its signature, installs it under
 * the id that key gives, hands it its managed configuration, and the extension syncs with
 * the server and enforces the policy.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startForceInstalled } from '../lib/harness.js';
import { waitFor } from '../lib/util.js';

/** @type {Awaited<ReturnType<typeof startForceInstalled>>} */
let stack;
before(async () => {
  stack = await startForceInstalled({ department: 'finance' });
});
after(async () => {
  await stack?.close();
});

test('the force-installed CRX runs under the stable id, syncs and blocks', async () => {
  const { id, context, server, worker } = stack;
  const prefix = `chrome-extension://${id}/`;
  assert.equal(worker.url(), `${prefix}background/service-worker.js`);
  const status = await stack.firstSync();
  const page = await context.newPage();
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
