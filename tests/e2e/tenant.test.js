/**
 * Tenant restrictions, end to end: IT authorizes the City's ChatGPT workspace (for planning,
 * this browser's department), a police-only Claude organization and the City's Google and
 * Entra tenants, and publishes. Fake chatgpt.com, claude.ai, accounts.google.com and
 * login.microsoftonline.com record the headers every request brings: the vendor's header
 * with the exact value on documents, fetches and subresources, never on other hosts, not for
 * a tool of another department, ChatGPT's signed-out endpoint refused, and nothing left once
 * IT removes the restriction and publishes again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack } from '../lib/harness.js';
import { notice } from '../lib/notices.js';
import { waitFor } from '../lib/util.js';

const WORKSPACE_A = '550e8400-e29b-41d4-a716-446655440000';
const WORKSPACE_B = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const ORG = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const ENTRA_POLICY = 'a1b2c3d4-0000-4000-8000-00000000cafe';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;

const CHATGPT = {
  id: 'chatgpt-enterprise',
  name: 'ChatGPT Enterprise',
  hosts: ['chatgpt.com'],
  departments: ['planning'],
  public_records_notice: 'Prompts and outputs are public records (CPRA).',
  policy_ref: 'APP 04.05 §IV.1',
  // Written as IT might copy them: upper case, in any order; sent canonical.
  tenant_restrictions: { openai_workspace_ids: [WORKSPACE_A, WORKSPACE_B.toUpperCase()] },
};
const CLAUDE = {
  id: 'claude-police',
  name: 'Claude for Enterprise (Police)',
  hosts: ['claude.ai'],
  departments: ['police'],
  policy_ref: 'APP 04.05 §IV.1',
  tenant_restrictions: { anthropic_org_ids: [ORG] },
};
const WORKSPACE = {
  id: 'city-workspace',
  name: 'Gemini for Google Workspace and Microsoft 365 Copilot',
  hosts: ['gemini.google.com'],
  policy_ref: 'APP 04.05 §IV.1',
  tenant_restrictions: { google_workspace_domains: ['redondo.org', 'Redondo.gov'], microsoft_tenant_policy: `${TENANT}:${ENTRA_POLICY}` },
};

/**
 * Publishes the draft and waits until this browser enforces the new version.
 * @param {string} note
 */
async function publish(note) {
  const { version } = await stack.server.admin('POST', '/v1/admin/publish', { note });
  await stack.browser.syncNow();
  await waitFor(async () => (await stack.browser.status()).policyVersion === version, `policy version ${version} in force`);
}

/** @param {...object} tools */
async function publishTools(...tools) {
  for (const t of tools) await stack.server.admin('PUT', `/v1/admin/draft/authorized_tools/${/** @type {any} */ (t).id}`, t);
  await publish('tenant restrictions');
}

/**
 * Opens a page (without the fake site's CSP, which would keep it from calling other hosts)
 * and, from it, fetches `urls` (no-cors, so every request reaches the site) and loads
 * `images`; resolves once the page settled.
 * @param {string} url
 * @param {{fetches?: string[], images?: string[]}} [from]
 */
async function visitAndRequest(url, { fetches = [], images = [] } = {}) {
  const page = await stack.browser.context.newPage();
  await page.goto(`${url}${url.includes('?') ? '&' : '?'}nocsp`);
  const outcomes = await page.evaluate(
    async ({ fetches, images }) => {
      const out = [];
      for (const u of fetches) out.push(await fetch(u, { mode: 'no-cors', method: 'POST', body: 'ping' }).then(() => 'sent', (e) => `failed: ${e}`));
      for (const u of images) {
        out.push(
          await new Promise((resolve) => {
            const img = document.createElement('img');
            img.onload = img.onerror = () => resolve('loaded');
            img.src = u;
            document.body.append(img);
          }),
        );
      }
      return out;
    },
    { fetches, images },
  );
  return { page, outcomes };
}

/**
 * The value of `header` on every request the host received for `path` (query aside) since
 * the last clearing.
 * @param {string} host
 * @param {string} path
 * @param {string} header
 */
function valuesOn(host, path, header) {
  return stack.sites.headersOn(host, header).filter((r) => r.path.split('?')[0] === path).map((r) => r.value);
}

before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

describe('tenant restrictions', () => {
  test('before IT sets any, no vendor header is sent', async () => {
    stack.sites.clearReceived();
    const { page } = await visitAndRequest('https://accounts.google.com/signin', { fetches: ['https://login.microsoftonline.com/common/oauth2'] });
    await page.close();
    assert.deepEqual(valuesOn('accounts.google.com', '/signin', 'x-googapps-allowed-domains'), [undefined]);
    assert.deepEqual(valuesOn('login.microsoftonline.com', '/common/oauth2', 'sec-restrict-tenant-access-policy'), [undefined]);
  });

  test("each vendor's header, with the exact value, on documents, fetches and subresources of its hosts only", async () => {
    await publishTools(CHATGPT, CLAUDE, WORKSPACE);
    const status = await stack.browser.status();
    assert.equal(status.rules.error, null);
    stack.sites.clearReceived();

    // ChatGPT: the document, its script, a fetch from the page and an image.
    const { page, outcomes } = await visitAndRequest('https://chatgpt.com/', { fetches: ['https://chatgpt.com/api/send', 'https://example.org/api/send'], images: ['https://chatgpt.com/pixel.png', 'https://example.org/pixel.png'] });
    assert.deepEqual(outcomes, ['sent', 'sent', 'loaded', 'loaded']);
    const workspaces = `${WORKSPACE_A},${WORKSPACE_B}`;
    for (const path of ['/', '/app.js', '/api/send', '/pixel.png']) {
      assert.deepEqual(valuesOn('chatgpt.com', path, 'chatgpt-allowed-workspace-id'), [workspaces], `chatgpt.com${path}`);
    }
    // The page says whose workspace it is.
    const text = await notice(page, 'note', { name: 'Public records notice', hasText: 'City workspace only' }).innerText();
    assert.match(text, /sign in with your City account/);
    assert.match(text, /Prompts and outputs are public records/);
    await page.close();
    // Never on another host, even one the ChatGPT page calls.
    for (const r of stack.sites.requests.filter((r) => r.host === 'example.org')) {
      for (const h of ['chatgpt-allowed-workspace-id', 'anthropic-allowed-org-ids', 'x-googapps-allowed-domains', 'sec-restrict-tenant-access-policy']) {
        assert.equal(r.headers[h], undefined, `${h} on example.org${r.path}`);
      }
    }

    // chat.openai.com is the same vendor's.
    stack.sites.clearReceived();
    const other = await visitAndRequest('https://example.org/', { fetches: ['https://chat.openai.com/backend-api/me'] });
    await other.page.close();
    assert.deepEqual(valuesOn('chat.openai.com', '/backend-api/me', 'chatgpt-allowed-workspace-id'), [workspaces]);

    // Google and Entra, city-wide: the sign-in documents and their fetches.
    stack.sites.clearReceived();
    const google = await visitAndRequest('https://accounts.google.com/signin', { fetches: ['https://www.google.com/async/x'] });
    await google.page.close();
    assert.deepEqual(valuesOn('accounts.google.com', '/signin', 'x-googapps-allowed-domains'), ['redondo.org,redondo.gov']);
    assert.deepEqual(valuesOn('www.google.com', '/async/x', 'x-googapps-allowed-domains'), ['redondo.org,redondo.gov']);
    const entra = await visitAndRequest('https://login.microsoftonline.com/common/oauth2/v2.0/authorize');
    await entra.page.close();
    assert.deepEqual(valuesOn('login.microsoftonline.com', '/common/oauth2/v2.0/authorize', 'sec-restrict-tenant-access-policy'), [`${TENANT}:${ENTRA_POLICY}`]);

    // The popup says so.
    const popup = await stack.browser.extensionPage('pages/popup/popup.html');
    await waitFor(async () => (await popup.locator('#workspace').isVisible()) && (await popup.locator('#workspace').innerText()).includes('chatgpt.com'), 'the popup line');
    assert.match(await popup.locator('#workspace').innerText(), /^City workspace only on .*chatgpt\.com, chat\.openai\.com.*google\.com.*login\.microsoftonline\.com/);
    assert.doesNotMatch(await popup.locator('#workspace').innerText(), /claude/);
    await popup.close();
  });

  test("a page's own value for the header is replaced, never appended to", async () => {
    stack.sites.clearReceived();
    const page = await stack.browser.context.newPage();
    await page.goto('https://chatgpt.com/');
    await page.evaluate(() => fetch('/api/send', { method: 'POST', headers: { 'ChatGPT-Allowed-Workspace-Id': 'personal' }, body: '{"prompt":"hi"}' }));
    await page.close();
    assert.deepEqual(valuesOn('chatgpt.com', '/api/send', 'chatgpt-allowed-workspace-id'), [`${WORKSPACE_A},${WORKSPACE_B}`]);
  });

  test("ChatGPT's signed-out endpoint is refused while the workspace is set", async () => {
    stack.sites.clearReceived();
    const { page, outcomes } = await visitAndRequest('https://chatgpt.com/', { fetches: ['https://chatgpt.com/backend-anon/conversation'] });
    await page.close();
    assert.match(outcomes[0], /^failed/);
    assert.deepEqual(valuesOn('chatgpt.com', '/backend-anon/conversation', 'chatgpt-allowed-workspace-id'), [], 'nothing reached the site');
  });

  test("a tool of another department sends its header only on that department's devices", async () => {
    stack.sites.clearReceived();
    // This browser is planning's; Claude's organization is police's.
    const { page } = await visitAndRequest('https://example.org/', { fetches: ['https://claude.ai/api/organizations', 'https://api.anthropic.com/v1/messages'] });
    await page.close();
    assert.deepEqual(valuesOn('claude.ai', '/api/organizations', 'anthropic-allowed-org-ids'), [undefined]);
    assert.deepEqual(valuesOn('api.anthropic.com', '/v1/messages', 'anthropic-allowed-org-ids'), [undefined]);
  });

  test('once IT removes a restriction and publishes, its header is gone', async () => {
    const { tenant_restrictions: _, ...plain } = CHATGPT;
    await publishTools(plain);
    await stack.server.admin('DELETE', `/v1/admin/draft/authorized_tools/${WORKSPACE.id}`);
    await publish('no city workspace tool');
    stack.sites.clearReceived();
    const { page, outcomes } = await visitAndRequest('https://chatgpt.com/', { fetches: ['https://chatgpt.com/backend-anon/conversation', 'https://accounts.google.com/x', 'https://login.microsoftonline.com/y'] });
    assert.deepEqual(outcomes, ['sent', 'sent', 'sent']);
    await page.close();
    assert.deepEqual(valuesOn('chatgpt.com', '/', 'chatgpt-allowed-workspace-id'), [undefined], 'the tool stays, its restriction is gone');
    assert.deepEqual(valuesOn('chatgpt.com', '/backend-anon/conversation', 'chatgpt-allowed-workspace-id'), [undefined]);
    assert.deepEqual(valuesOn('accounts.google.com', '/x', 'x-googapps-allowed-domains'), [undefined]);
    assert.deepEqual(valuesOn('login.microsoftonline.com', '/y', 'sec-restrict-tenant-access-policy'), [undefined]);
    const popup = await stack.browser.extensionPage('pages/popup/popup.html');
    await waitFor(async () => (await popup.locator('#policy').innerText()) !== '…', 'the popup');
    assert.equal(await popup.locator('#workspace').isVisible(), false);
    await popup.close();
  });
});
