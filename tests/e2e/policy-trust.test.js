/**
 * What the extension trusts about the policy (security review item 12), end to end:
 *
 * - without IT's `policyPublicKey` the extension trusts the key the server presented at first
 *   contact, and the popup says so plainly;
 * - a bundle past its `expires_at` (here: the server's own bundle of the current version,
 *   signed with the server's key as it was signed when it expired, and replayed by the
 *   network as a stale CDN copy or a held-back server would) is still enforced, the popup
 *   says since when it is out of date, and the server gets one `policy_stale` report for it
 *   however often the worker wakes and syncs; the server's fresh bundle of the same version
 *   ends it.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeManagedPolicy } from '../lib/browser.js';
import { DEPARTMENT, startStack } from '../lib/harness.js';
import { SERVER_HOST } from '../lib/sites.js';
import { waitFor } from '../lib/util.js';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

/** @param {{policyPublicKey?: string}} key */
function managed(key) {
  writeManagedPolicy({ serverUrl: `https://${SERVER_HOST}`, deviceToken: stack.server.deviceToken, department: DEPARTMENT, syncMinutes: 60, ...key });
}

/** What the popup shows (its visible alerts included). */
async function popup() {
  const page = await stack.browser.extensionPage('pages/popup/popup.html');
  await waitFor(async () => (await page.locator('#policy').textContent()) !== '…', 'the popup to fill in');
  return page;
}

/**
 * The bundle of the current version with another expiry, signed with the server's policy key
 * (the data folder's `policy-signing-key.pem`) exactly as the server signs: what it served
 * when the bundle was signed long ago.
 * @param {string} jws the server's bundle
 * @param {string} expiresAt RFC 3339
 */
function withExpiry(jws, expiresAt) {
  const [h, p] = jws.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  payload.expires_at = expiresAt;
  const input = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${crypto.sign(null, Buffer.from(input), serverKey()).toString('base64url')}`;
}

/**
 * The server's policy key. Its PEM is PKCS#8 v2 (with the public key), which Node's OpenSSL
 * does not read: the 32-byte seed (the key's `04 20` octet string) goes into a v1 PKCS#8.
 */
function serverKey() {
  const pem = fs.readFileSync(path.join(stack.server.dataDir, 'policy-signing-key.pem'), 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  const at = der.indexOf(Buffer.from('04220420', 'hex'));
  assert.ok(at > 0, 'an Ed25519 PKCS#8 key');
  const seed = der.subarray(at + 4, at + 36);
  return crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
}

describe('the policy key', () => {
  test('without policyPublicKey the popup says the key is trusted on first use', async () => {
    let page = await popup();
    assert.equal(await page.locator('#key-warning').isVisible(), false);
    await page.close();

    managed({});
    await waitFor(async () => (await stack.browser.status()).policyKey === 'first-use', 'the managed key to go', 60_000);
    page = await popup();
    const warning = page.getByRole('alert').filter({ hasText: 'IT has not set the policy key' });
    await warning.waitFor();
    assert.match(await warning.innerText(), /trusts whatever key the server presented at first contact \(trust on first use, meant for test set-ups such as scripts\/run\.sh, not for City devices\)/);
    await page.close();

    managed({ policyPublicKey: stack.server.publicKey });
    await waitFor(async () => (await stack.browser.status()).policyKey === 'managed', 'the managed key back', 60_000);
    page = await popup();
    assert.equal(await page.locator('#key-warning').isVisible(), false);
    await page.close();
  });
});

describe('expired bundles', () => {
  test('an expired bundle is enforced, shown as out of date and reported once', async () => {
    await stack.server.admin('PUT', '/v1/admin/draft/site_rules/e2e-stale', {
      id: 'e2e-stale',
      hosts: ['newai.example'],
      category: 'general_purpose_ai',
      action: 'block',
      message: 'NewAI is not authorized for City use.',
      policy_ref: 'APP 04.05 §IV.1 Authorization Requirement',
    });
    assert.equal((await stack.server.admin('POST', '/v1/admin/publish', { note: 'block newai.example' })).version, 2);
    const res = await fetch(`${stack.server.url}/v1/policy`, { headers: { Authorization: `Bearer ${stack.server.deviceToken}` } });
    const fresh = await res.text();
    const freshExpiry = JSON.parse(Buffer.from(fresh.split('.')[1], 'base64url').toString('utf8')).expires_at;
    assert.ok(Date.parse(freshExpiry) > Date.now() + 29 * 86_400_000, `a fresh bundle is valid for the configured 30 days: ${freshExpiry}`);
    const expired = new Date(Date.now() - 3_600_000);
    stack.sites.mode = 'replay';
    stack.sites.replayBundle = withExpiry(fresh, expired.toISOString());
    try {
      const { text } = await stack.browser.syncNow();
      assert.equal(text, 'New policy installed.');
      const status = await stack.browser.status();
      assert.equal(status.policyVersion, 2);
      assert.equal(status.stale, true);

      // Still enforced: the new version's rule blocks.
      const site = await stack.browser.context.newPage();
      await site.goto('https://newai.example/').catch(() => {});
      await waitFor(async () => site.url().includes('/pages/block/block.html') && (await site.locator('#rule').textContent()) === 'e2e-stale', 'the block page of the stale policy');
      await site.close();

      const page = await popup();
      const alert = page.getByRole('alert').filter({ hasText: 'This policy is out of date' });
      await alert.waitFor();
      const when = expired.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
      assert.match(await page.locator('#stale').innerText(), new RegExp(`it expired on ${when.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} and no current one has reached this browser since\\. It is still enforced\\.`));
      await page.close();

      const reported = await waitFor(async () => {
        const e = await stack.server.events({ kind: 'policy_stale' });
        return e.length ? e : null;
      }, 'the policy_stale report');
      assert.equal(reported[0].policy_version, 2);
      assert.equal(reported[0].department, DEPARTMENT);
      // More syncs of the same stale bundle, a stopped and restarted worker: nothing more.
      await stack.browser.syncNow();
      await stack.browser.stopServiceWorkers();
      await stack.browser.syncNow();
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await stack.server.events({ kind: 'policy_stale' })).length, 1);
    } finally {
      stack.sites.mode = 'pass';
    }

    // The server's own bundle of version 2, valid for another 30 days, ends it.
    const { text } = await stack.browser.syncNow();
    assert.equal(text, 'The policy is up to date.');
    const status = await stack.browser.status();
    assert.equal(status.policyVersion, 2);
    assert.equal(status.stale, false);
    assert.equal(status.expiresAt, freshExpiry);
    const page = await popup();
    assert.equal(await page.locator('#stale').isVisible(), false);
    await page.close();
    assert.equal((await stack.server.events({ kind: 'policy_stale' })).length, 1);
  });
});
