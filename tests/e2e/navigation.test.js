/**
 * Navigation, end to end: blocked sites and their bypass spellings, the warn page's
 * justification and time-limited allow, approval requests from the block page, the
 * authorized tool's public-records notice, a host IT adds and publishes, and bundles the
 * extension must refuse (tampered, rolled back). Each test checks what the user sees and
 * what the server stored.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { writeManagedPolicy } from '../lib/browser.js';
import { startStack } from '../lib/harness.js';
import { SERVER_HOST } from '../lib/sites.js';
import { waitFor } from '../lib/util.js';
import { notice, noticeButton } from '../lib/notices.js';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

/** @param {string} url */
async function visit(url) {
  const page = await stack.browser.context.newPage();
  await page.goto(url).catch(() => {
    // A redirect to the extension's page can abort the original navigation; the page is
    // checked below either way.
  });
  await page.waitForLoadState('domcontentloaded');
  return page;
}

describe('blocked sites', () => {
  /** Each spelling, and the canonical host the block page names. */
  const spellings = [
    ['https://chatgpt.com/', 'chatgpt.com'],
    ['https://user@chatgpt.com:8443/c', 'chatgpt.com'],
    ['https://CHATGPT.COM/c/abc', 'chatgpt.com'],
    ['https://chatgpt.com./', 'chatgpt.com'],
    ['https://www.chatgpt.com/x?y=1', 'www.chatgpt.com'],
    ['http://chatgpt.com/', 'chatgpt.com'],
    // Google Translate's proxy serves the site itself: the rule's host (DNR) and a subdomain
    // of it (the extension, on the navigation).
    ['https://chatgpt-com.translate.goog/?_x_tr_sl=auto&_x_tr_tl=en', 'chatgpt.com'],
    ['https://www-chatgpt-com.translate.goog/c/1?_x_tr_sl=auto', 'www.chatgpt.com'],
  ];

  for (const [url, host] of spellings) {
    test(`${url} shows the block page with the policy section`, async () => {
      const page = await visit(url);
      await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the block page');
      await page.getByRole('heading', { name: "This site is blocked by the City's AI policy" }).waitFor();
      await waitFor(async () => (await page.locator('#rule').textContent()) === 'openai-chatgpt', 'the rule');
      assert.match(await page.locator('#policy-ref').innerText(), /APP 04\.05 §IV\.1/);
      assert.match(await page.locator('#message').innerText(), /ChatGPT/);
      assert.equal(await page.locator('#host').innerText(), host);
      await page.close();
    });
  }

  test('every blocked visit reached the server, with rule and host', async () => {
    const events = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'visit_blocked', rule: 'openai-chatgpt' });
      return e.length >= spellings.length ? e : null;
    }, 'visit_blocked events');
    assert.equal(events.length, spellings.length);
    assert.deepEqual(events.map((e) => e.host).sort(), spellings.map(([, host]) => host).sort());
    for (const e of events) {
      assert.equal(e.rule, 'openai-chatgpt');
      assert.equal(e.category, 'general_purpose_ai');
      assert.equal(e.department, 'planning');
      assert.equal(e.policy_version, 1);
    }
  });

  test('a request for approval from the block page reaches IT', async () => {
    const page = await visit('https://chatgpt.com/');
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the block page');
    await page.getByRole('button', { name: 'Request approval' }).click();
    await page.getByLabel('Your City e-mail').fill('pat.lee@redondo.org');
    await page.getByLabel('What City work is it for?').fill('Summarise public council minutes for residents.');
    await page.getByLabel('Why is AI needed for it?').fill('The minutes are long; staff time is short.');
    await page.getByLabel('What else have you considered?').fill('The enterprise AI environment is not available yet.');
    await page.getByRole('button', { name: 'Send the request to IT' }).click();
    await page.getByText('Your request was sent to IT').waitFor();
    const requests = await stack.server.approvals();
    const mine = requests.find((r) => r.url === 'https://chatgpt.com/');
    assert.ok(mine, `no approval request for chatgpt.com among ${JSON.stringify(requests)}`);
    assert.equal(mine.status, 'submitted');
    assert.equal(mine.department, 'planning');
    await waitFor(async () => (await stack.server.events({ kind: 'approval_requested' })).length === 1, 'the approval_requested event');
    await page.close();
  });

  test('a request made while the server is down is kept, then reaches IT once', async () => {
    const page = await visit('https://gemini.google.com/');
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the block page');
    await stack.server.stop();
    try {
      await page.getByRole('button', { name: 'Request approval' }).click();
      await page.getByLabel('Your City e-mail').fill('pat.lee@redondo.org');
      await page.getByLabel('What City work is it for?').fill('Draft plain-language summaries of public notices.');
      await page.getByLabel('Why is AI needed for it?').fill('Dozens of notices a week.');
      await page.getByLabel('What else have you considered?').fill('Writing them by hand, as now.');
      await page.getByRole('button', { name: 'Send the request to IT' }).click();
      await page.getByText('Your request is saved on this computer and will be sent to IT').waitFor();
    } finally {
      await stack.server.start();
    }
    // The next flush sends it; more syncs send nothing new.
    const filed = await waitFor(async () => {
      await stack.browser.syncNow();
      const mine = (await stack.server.approvals()).filter((r) => r.url === 'https://gemini.google.com/');
      return mine.length ? mine : null;
    }, 'the queued request to reach the server');
    await stack.browser.syncNow();
    await stack.browser.syncNow();
    const mine = (await stack.server.approvals()).filter((r) => r.url === 'https://gemini.google.com/');
    assert.equal(mine.length, 1);
    assert.equal(mine[0].id, filed[0].id);
    assert.equal(mine[0].department, 'planning');
    const reference = (await page.locator('#result').textContent())?.match(/reference ([0-9a-f-]{36})/)?.[1];
    assert.equal(reference, mine[0].id, 'the reference the page gave is the request IT sees');
    await waitFor(async () => (await stack.server.events({ kind: 'approval_requested', host: 'gemini.google.com' })).length === 1, 'one approval_requested event');
    await page.close();
  });
});

describe('single-page apps', () => {
  test('a history-API navigation to a blocked path on a shared host is caught', async () => {
    const page = await visit('https://x.com/home');
    assert.equal(page.url(), 'https://x.com/home');
    // DNR never sees pushState; the extension must.
    await page.evaluate(() => history.pushState({}, '', '/i/grok'));
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the block page after pushState');
    await waitFor(async () => (await page.locator('#rule').textContent()) === 'xai-grok-on-x', 'the path rule');
    await page.close();
    await waitFor(async () => (await stack.server.events({ kind: 'visit_blocked', rule: 'xai-grok-on-x' })).length >= 1, 'the event');
  });
});

describe('warned sites', () => {
  test('grammarly.com needs a typed justification, then opens for a while', async () => {
    const page = await visit('https://grammarly.com/');
    await waitFor(async () => page.url().includes('/pages/warn/warn.html'), 'the warn page');
    await page.getByRole('heading', { name: 'Check before you continue' }).waitFor();
    await waitFor(async () => (await page.locator('#rule').textContent()) === 'embedded-grammarly', 'the rule');
    // The field takes no more than the server stores (lifeguard-core's bound).
    assert.equal(await page.getByLabel('Why do you need this site for City work?').getAttribute('maxlength'), '500');
    // Without a justification the page says what is missing and stays.
    await page.getByRole('button', { name: 'Continue to the site' }).click();
    await page.getByText('Please explain in a sentence').waitFor();
    assert.match(page.url(), /warn\.html/);
    // The explanation goes to IT: one holding sensitive data is refused, and says what to remove.
    await page.getByLabel('Why do you need this site for City work?').fill('Letter for the resident with SSN 123-45-6789 about her permit.');
    await page.getByRole('button', { name: 'Continue to the site' }).click();
    await page.getByText('must not contain personal or confidential data. Remove the Social Security number').waitFor();
    assert.match(page.url(), /warn\.html/);
    // A tab pasted in with the text is a space by the time it reaches IT (the server refuses
    // control characters, and the visit's report must not be lost with them).
    await page.getByLabel('Why do you need this site for City work?').fill('Checking the grammar\tof a public press release.');
    await page.getByRole('button', { name: 'Continue to the site' }).click();
    await waitFor(async () => page.url() === 'https://grammarly.com/', 'the site after proceeding');
    await page.locator('#site').getByText('grammarly.com').waitFor();
    // Allowed for a while: a second visit goes straight through.
    await page.goto('https://grammarly.com/other');
    assert.equal(page.url(), 'https://grammarly.com/other');
    await page.close();
    const warned = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'visit_warned', host: 'grammarly.com' });
      return e.length ? e : null;
    }, 'visit_warned');
    assert.equal(warned.length, 1);
    assert.equal(warned[0].rule, 'embedded-grammarly');
    const proceeded = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'visit_proceeded', host: 'grammarly.com' });
      return e.length ? e : null;
    }, 'visit_proceeded');
    assert.equal(proceeded.length, 1);
    assert.equal(proceeded[0].action, 'warn');
    // IT reads why; the refused explanation never left the browser.
    assert.equal(proceeded[0].justification, 'Checking the grammar of a public press release.');
    const everything = await stack.server.events({});
    assert.ok(!JSON.stringify(everything).includes('123-45-6789'), 'the refused justification reached the server');
  });
});

describe('authorized tools', () => {
  test('the City enterprise AI shows its public-records notice (APP 04.05 §VI)', async () => {
    const page = await visit('https://ai.redondo.org/');
    const note = notice(page, 'note', { name: 'Public records notice' });
    await note.waitFor();
    assert.match(await note.innerText(), /public record under the California Public Records Act/);
    assert.match(await note.innerText(), /§VI/);
    await noticeButton(page, 'Dismiss the public records notice').click();
    await note.waitFor({ state: 'detached' });
    await page.close();
  });
});

describe('policy sync', () => {
  test('IT blocks a new host and publishes; after a sync the browser blocks it', async () => {
    let page = await visit('https://newai.example/');
    assert.equal(page.url(), 'https://newai.example/');
    await page.close();
    await stack.server.admin('PUT', '/v1/admin/draft/site_rules/e2e-newai', {
      id: 'e2e-newai',
      hosts: ['newai.example'],
      category: 'general_purpose_ai',
      action: 'block',
      message: 'NewAI is not authorized for City use.',
      policy_ref: 'APP 04.05 §IV.1 Authorization Requirement',
    });
    const published = await stack.server.admin('POST', '/v1/admin/publish', { note: 'block newai.example' });
    assert.equal(published.version, 2);
    const { text } = await stack.browser.syncNow();
    assert.equal(text, 'New policy installed.');
    const status = await stack.browser.status();
    assert.equal(status.policyVersion, 2);
    page = await visit('https://newai.example/chat');
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the block page for newai.example');
    await waitFor(async () => (await page.locator('#rule').textContent()) === 'e2e-newai', 'the new rule');
    assert.equal(await page.locator('#message').innerText(), 'NewAI is not authorized for City use.');
    await page.close();
    const events = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'visit_blocked', host: 'newai.example' });
      return e.length ? e : null;
    }, 'the newai.example event');
    assert.equal(events[0].policy_version, 2);
  });

  test('a tampered bundle is refused and the policy in force stays', async () => {
    stack.sites.mode = 'tamper';
    try {
      const { text } = await stack.browser.syncNow();
      assert.equal(text, 'Sync failed.');
      const status = await stack.browser.status();
      assert.equal(status.policyVersion, 2);
      assert.match(status.lastRefused.reason, /signature does not verify/);
    } finally {
      stack.sites.mode = 'pass';
    }
    // The tampered bundle removed ChatGPT's rule; ChatGPT must still be blocked.
    const page = await visit('https://chatgpt.com/');
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the block page');
    await page.close();
  });

  test('a replayed older bundle (rollback) is refused', async () => {
    const v1 = stack.sites.bundles.get(1);
    assert.ok(v1, 'the proxy saw version 1');
    stack.sites.mode = 'replay';
    stack.sites.replayBundle = v1;
    try {
      const { text } = await stack.browser.syncNow();
      assert.equal(text, 'Sync failed.');
      const status = await stack.browser.status();
      assert.equal(status.policyVersion, 2);
      assert.match(status.lastRefused.reason, /refused policy version 1: this browser already enforces version 2/);
    } finally {
      stack.sites.mode = 'pass';
    }
    const page = await visit('https://newai.example/');
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'newai.example still blocked');
    await page.close();
    // Back to the real server: 304, nothing refused.
    const { text } = await stack.browser.syncNow();
    assert.equal(text, 'The policy is up to date.');
  });
});

describe('managed configuration', () => {
  test('IT moves the browser to the Police Department: its overlay applies at once', async () => {
    let page = await visit('https://otter.ai/');
    await waitFor(async () => page.url().includes('/pages/warn/warn.html'), 'the city warn page for otter.ai');
    await page.close();
    const token = stack.server.cli(['token', 'issue', '--role', 'device', '--department', 'police', '--subject', 'e2e-police']);
    writeManagedPolicy({ serverUrl: `https://${SERVER_HOST}`, deviceToken: token, department: 'police', policyPublicKey: stack.server.publicKey, syncMinutes: 60 });
    // Chromium notices the changed policy file by itself (it watches the folder).
    await waitFor(async () => (await stack.browser.status()).department === 'police', 'the new department', 60_000);
    page = await visit('https://otter.ai/');
    await waitFor(async () => page.url().includes('/pages/block/block.html'), 'the police block page for otter.ai');
    await waitFor(async () => (await page.locator('#rule').textContent()) === 'police-ai-transcription', 'the police rule');
    await page.close();
    const events = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'visit_blocked', rule: 'police-ai-transcription' });
      return e.length ? e : null;
    }, 'the police event');
    assert.equal(events[0].department, 'police');
  });
});
