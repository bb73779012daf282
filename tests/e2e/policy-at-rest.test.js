/**
 * The policy at rest (security review item 2), end to end: chrome.storage.local can be written
 * by any content script (and DevTools), so what the extension keeps there is verified again
 * on every load.
 *
 * A forged policy written there, one that allows chatgpt.com and claims version 999999 (in
 * the shape the extension used to keep, and as a signed bundle with a key of its own), is not
 * enforced after the service worker restarts: chatgpt.com is still blocked, the server gets a
 * `policy_tampered` report, the server's genuine bundle is accepted at once, and so is the
 * next version published. Who is browsing is not taken from there either: a department
 * written into chrome.storage.local is not the one the popup shows or the rules use.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEPARTMENT, startStack } from '../lib/harness.js';
import { waitFor } from '../lib/util.js';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

/**
 * A bundle in the server's format signed with a key of the forger's own.
 * @param {object} payload
 */
function forgedJws(payload) {
  const { privateKey } = crypto.generateKeyPairSync('ed25519');
  const b64 = (/** @type {object} */ o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'EdDSA', typ: 'lifeguard-policy+jws', kid: 'forged' })}.${b64(payload)}`;
  return `${input}.${crypto.sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}

/** Whether a fresh tab opening chatgpt.com lands on the block page. */
async function chatgptBlocked() {
  const site = await stack.browser.context.newPage();
  try {
    await site.goto('https://chatgpt.com/').catch(() => {});
    await waitFor(async () => site.url().includes('/pages/block/block.html') && (await site.locator('#rule').textContent()) === 'openai-chatgpt', 'the block page for chatgpt.com');
    return true;
  } finally {
    await site.close();
  }
}

describe('the policy kept in chrome.storage.local', () => {
  test('a forged policy with a huge version is discarded, reported, and the genuine bundle accepted', async () => {
    const before = await stack.browser.status();
    assert.equal(before.policySource, 'server');
    const genuine = before.policyVersion;
    assert.ok(await chatgptBlocked());

    // The genuine document, with ChatGPT allowed and a version nothing genuine will reach.
    const res = await fetch(`${stack.server.url}/v1/policy`, { headers: { Authorization: `Bearer ${stack.server.deviceToken}` } });
    const payload = JSON.parse(Buffer.from((await res.text()).split('.')[1], 'base64url').toString('utf8'));
    const policy = structuredClone(payload.policy);
    policy.version = 999999;
    const rule = policy.site_rules.find((/** @type {any} */ r) => r.id === 'openai-chatgpt');
    assert.ok(rule, 'the policy blocks ChatGPT');
    rule.action = 'allow';
    const forged = {
      version: 999999,
      publishedAt: null,
      expiresAt: new Date(Date.now() + 365 * 86_400_000).toISOString(),
      policyJson: JSON.stringify(policy),
      jws: forgedJws({ version: 999999, published_at: null, expires_at: new Date(Date.now() + 365 * 86_400_000).toISOString(), policy }),
      etag: null,
      receivedAt: Date.now(),
    };
    // The area and the call a content script on any page has (chrome.storage.local.set).
    const worker = await stack.browser.serviceWorker();
    await worker.evaluate((value) => chrome.storage.local.set({ policy: value }), forged);

    // The worker stops (as Chrome stops an idle one) and starts again for the next event.
    await stack.browser.stopServiceWorkers();
    const after = await waitFor(
      async () => {
        const s = await stack.browser.status();
        return s.policySource === 'server' && s.policyVersion === genuine ? s : null;
      },
      'the genuine bundle back in force',
      30_000,
    );
    assert.equal(after.policyVersion, genuine);
    assert.ok(await chatgptBlocked());

    const reported = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'policy_tampered' });
      return e.length ? e : null;
    }, 'the policy_tampered report');
    assert.equal(reported.length, 1);
    assert.equal(reported[0].action, 'refused');

    // What the worker keeps now is the server's signed bundle, not the forged document.
    const kept = await (await stack.browser.serviceWorker()).evaluate(async () => (await chrome.storage.local.get('policy')).policy);
    assert.equal(typeof kept.jws, 'string');
    assert.equal(kept.policyJson, undefined);

    // The next version IT publishes is accepted (the forged 999999 raised no floor).
    await stack.server.admin('PUT', '/v1/admin/draft/site_rules/e2e-at-rest', {
      id: 'e2e-at-rest',
      hosts: ['newai.example'],
      category: 'general_purpose_ai',
      action: 'block',
      message: 'NewAI is not authorized for City use.',
      policy_ref: 'APP 04.05 §IV.1 Authorization Requirement',
    });
    const published = (await stack.server.admin('POST', '/v1/admin/publish', { note: 'block newai.example' })).version;
    assert.equal(published, genuine + 1);
    // The periodic sync (its first run comes seconds after start) may have fetched it first.
    const { text } = await stack.browser.syncNow();
    assert.match(text ?? '', /^(New policy installed\.|The policy is up to date\.)$/);
    assert.equal((await stack.browser.status()).policyVersion, published);

    // Restarted again, the kept genuine bundle verifies: nothing more is reported.
    await stack.browser.stopServiceWorkers();
    const again = await stack.browser.status();
    assert.equal(again.policySource, 'server');
    assert.equal(again.policyVersion, published);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal((await stack.server.events({ kind: 'policy_tampered' })).length, 1);
  });

  test('a department written into chrome.storage.local is not who is browsing', async () => {
    assert.equal((await stack.browser.status()).department, DEPARTMENT);
    const worker = await stack.browser.serviceWorker();
    await worker.evaluate(() => chrome.storage.local.set({ who: { department: 'police', user: 'someone.else@redondo.org' } }));
    await new Promise((r) => setTimeout(r, 500));
    let status = await stack.browser.status();
    assert.equal(status.department, DEPARTMENT);
    assert.notEqual(status.user, 'someone.else@redondo.org');
    await stack.browser.stopServiceWorkers();
    status = await stack.browser.status();
    assert.equal(status.department, DEPARTMENT);
    assert.notEqual(status.user, 'someone.else@redondo.org');
  });
});
