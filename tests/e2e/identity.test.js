/**
 * Who is browsing, end to end (APP 04.05 §VII, security review finding 5 and 8): per-user
 * permissions apply only to an address IT vouches for (managed `userEmail`, or a profile
 * signed in to one of `staffEmailDomains`), and a suspension reaches the browser as a salted
 * hash, is matched there, and shows no reason. The browser here is not signed in to any
 * account, as on a City machine before IT names the person.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeManagedPolicy } from '../lib/browser.js';
import { DEPARTMENT, startStack } from '../lib/harness.js';
import { SERVER_HOST } from '../lib/sites.js';
import { waitFor } from '../lib/util.js';

const REASON = 'HR case 2026-114: disclosure under review';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;

/** @param {string} url */
async function visit(url) {
  const page = await stack.browser.context.newPage();
  await page.goto(url).catch(() => {
    // A redirect to the extension's page can abort the original navigation.
  });
  await page.waitForLoadState('domcontentloaded');
  return page;
}

/**
 * IT's managed configuration for this browser, with `extra` (userEmail, staffEmailDomains).
 * @param {Record<string, unknown>} extra
 */
function configure(extra) {
  writeManagedPolicy({ serverUrl: `https://${SERVER_HOST}`, deviceToken: stack.server.deviceToken, department: DEPARTMENT, policyPublicKey: stack.server.publicKey, syncMinutes: 60, ...extra });
}

before(async () => {
  stack = await startStack();
  // Claude for one named person only, and a suspension of another.
  await stack.server.admin('PUT', '/v1/admin/draft/authorized_tools/claude-alice', { name: 'Claude (pilot seat)', hosts: ['claude.ai'], users: ['alice@redondo.org'], policy_ref: 'APP 04.05 §IV.1' });
  await stack.server.admin('PUT', '/v1/admin/draft/suspensions/susp-2026-07', { users: ['carol@redondo.org'], reason: REASON, suspended_by: 'HR Director', policy_ref: 'APP 04.05 §VII' });
  const { version } = await stack.server.admin('POST', '/v1/admin/publish', { note: 'identity' });
  await stack.browser.syncNow();
  await waitFor(async () => (await stack.browser.status()).policyVersion === version, `policy version ${version} in force`);
});
after(async () => {
  await stack?.close();
});

describe('identity', () => {
  test('with no address IT vouches for, a per-user tool stays blocked', async () => {
    const status = await stack.browser.status();
    assert.equal(status.user, null);
    assert.equal(status.userTrusted, false);
    const page = await visit('https://claude.ai/new');
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the block page for claude.ai');
    await waitFor(async () => (await page.locator('#rule').textContent()) === 'anthropic-claude', 'the city rule, not the per-user tool');
    await page.close();
  });

  test('the person IT names in managed storage gets their per-user tool', async () => {
    configure({ userEmail: 'Alice@Redondo.org' });
    await waitFor(async () => (await stack.browser.status()).user === 'alice@redondo.org', 'the managed identity', 60_000);
    assert.equal((await stack.browser.status()).userTrusted, true);
    const page = await visit('https://claude.ai/new');
    await page.waitForTimeout(500);
    assert.match(page.url(), /^https:\/\/claude\.ai\/new/, 'the tool loads for its named user');
    await page.close();
  });

  test('a suspended person is blocked everywhere AI is, without the reason being shown', async () => {
    configure({ userEmail: 'carol@redondo.org' });
    await waitFor(async () => (await stack.browser.status()).user === 'carol@redondo.org', 'the managed identity', 60_000);
    // The City's own AI tool, open to everyone, is closed to her.
    const page = await visit('https://ai.redondo.org/');
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the block page for the suspended person');
    await waitFor(async () => (await page.locator('#rule').textContent()) === 'susp-2026-07', 'the suspension');
    const shown = await page.locator('body').innerText();
    assert.match(shown, /suspended/i);
    assert.doesNotMatch(shown, /HR case|disclosure|HR Director/);
    await page.close();
    // The policy the browser holds names her only by hash.
    const held = await stack.browser.extensionPage('pages/popup/popup.html');
    const payloads = await held.evaluate(async () => {
      const all = JSON.stringify(await chrome.storage.local.get(null));
      const jws = all.match(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g) ?? [];
      return jws.map((j) => new TextDecoder().decode(Uint8Array.from(atob(j.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0))));
    });
    await held.close();
    assert.ok(payloads.some((p) => p.includes('"susp-2026-07"') && p.includes('user_hashes')), 'the kept bundle holds the hashed suspension');
    for (const p of payloads) assert.doesNotMatch(p, /carol|HR case|HR Director/i);
    const events = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'visit_blocked', rule: 'susp-2026-07' });
      return e.length ? e : null;
    }, 'the suspension event');
    assert.equal(events[0].user, 'carol@redondo.org');
  });
});
