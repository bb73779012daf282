/**
 * The policy lifecycle as IT works it in the console: add a rule, try it, publish with the
 * diff in view, find it in the history and the audit log, change it, roll back. Rule text is
 * attacker-influenced: a rule whose name and message are HTML must show as text, and no
 * script may run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server, launchBrowser, newPage, screenshot, signIn } from './harness.js';

const XSS = '<img src=x onerror=alert(1)>';

/** @type {Server} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof newPage>>} */
let tab;

before(async () => {
  server = await new Server().start();
  server.addUser('it@redondo.org', 'it_admin');
  browser = await launchBrowser();
  tab = await newPage(browser);
  await signIn(tab.page, server, 'it@redondo.org');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * Fills the item form (the fields by name) and saves it.
 * @param {import('playwright-core').Page} page
 * @param {Record<string, string>} fields
 */
async function fillItem(page, fields) {
  const form = page.locator('#item-form');
  for (const [name, value] of Object.entries(fields)) {
    const el = form.locator(`[name="field-${name}"]`);
    if ((await el.evaluate((e) => e.tagName)) === 'SELECT') await el.selectOption(value);
    else await el.fill(value);
  }
  await form.getByRole('button', { name: 'Save to draft' }).click();
}

test('IT adds a site rule whose message is HTML: it is saved and shown as text', async () => {
  const { page } = tab;
  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('#add-item').click();
  await fillItem(page, {
    id: 'block-example-ai',
    hosts: 'example-ai.test',
    category: 'general_purpose_ai',
    action: 'block',
    message: XSS,
    policy_ref: 'APP 04.05 §IV.1 Authorization Requirement',
  });
  await page.getByText('Saved “block-example-ai” in the draft.').waitFor();
  const row = page.locator('#section-site_rules table.items tbody tr', { hasText: 'block-example-ai' });
  assert.equal(await row.locator('td').nth(4).textContent(), XSS);
  assert.equal(await row.locator('img').count(), 0);
  await screenshot(page, 'policy-editor');
});

test('a bad edit is refused with the server’s problem, and nothing is saved', async () => {
  const { page } = tab;
  await page.locator('.tabs button[data-section="authorized_tools"]').click();
  await page.locator('#add-item').click();
  await fillItem(page, { id: 'xss-tool', name: XSS, hosts: 'xss-tool.example', documentation_url: 'javascript:alert(1)', policy_ref: 'APP 04.05 §IV.1' });
  const alert = page.locator('#item-form').getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.textContent() ?? '', /documentation_url/);
  assert.equal(await page.locator('#section-authorized_tools table.items').getByText('xss-tool').count(), 0);
  // Corrected, it is saved; the tool's HTML name is text and its fact sheet a real link.
  await page.locator('#item-form [name="field-documentation_url"]').fill('https://vendor.example/ai-fact-sheet');
  await page.locator('#item-form').getByRole('button', { name: 'Save to draft' }).click();
  await page.getByText('Saved “xss-tool” in the draft.').waitFor();
  const row = page.locator('#section-authorized_tools table.items tbody tr', { hasText: 'xss-tool' });
  assert.equal(await row.locator('td').nth(1).textContent(), XSS);
  assert.equal(await row.getByRole('link', { name: 'AI Fact Sheet' }).getAttribute('href'), 'https://vendor.example/ai-fact-sheet');
});

test("IT restricts a tool to the City's workspace: a bad id is refused where it is, the saved tool says so", async () => {
  const { page } = tab;
  await page.locator('.tabs button[data-section="authorized_tools"]').click();
  await page.locator('#add-item').click();
  await fillItem(page, {
    id: 'chatgpt-enterprise',
    name: 'ChatGPT Enterprise',
    hosts: 'workspace-ai.example',
    'tenant_restrictions.openai_workspace_ids': '550e8400-e29b-41d4-a716-446655440000\norg-personal',
    'tenant_restrictions.microsoft_tenant_policy': '72f988bf-86f1-41af-91ab-2d7cd011db47:a1b2c3d4-0000-4000-8000-00000000cafe',
    policy_ref: 'APP 04.05 §IV.1',
  });
  const alert = page.locator('#item-form').getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /tenant_restrictions\.openai_workspace_ids\[1\]/);
  assert.match((await alert.textContent()) ?? '', /org-personal/);
  await page.locator('#item-form [name="field-tenant_restrictions.openai_workspace_ids"]').fill('550e8400-e29b-41d4-a716-446655440000');
  await page.locator('#item-form').getByRole('button', { name: 'Save to draft' }).click();
  await page.getByText('Saved “chatgpt-enterprise” in the draft.').waitFor();
  const row = page.locator('#section-authorized_tools table.items tbody tr', { hasText: 'chatgpt-enterprise' });
  assert.equal(await row.locator('td').nth(4).textContent(), 'City workspace only (ChatGPT, Microsoft)');
  const draft = await server.api(await server.login('it@redondo.org'), 'GET', '/v1/admin/draft');
  const tool = draft.policy.authorized_tools.find((/** @type {any} */ t) => t.id === 'chatgpt-enterprise');
  assert.deepEqual(tool.tenant_restrictions, { openai_workspace_ids: ['550e8400-e29b-41d4-a716-446655440000'], microsoft_tenant_policy: '72f988bf-86f1-41af-91ab-2d7cd011db47:a1b2c3d4-0000-4000-8000-00000000cafe' });
  // Editing it shows what is set.
  await row.getByRole('button', { name: 'Edit' }).click();
  assert.equal(await page.locator('#item-form [name="field-tenant_restrictions.openai_workspace_ids"]').inputValue(), '550e8400-e29b-41d4-a716-446655440000');
  await page.locator('#item-form').getByRole('button', { name: 'Cancel' }).click();
});

test('the rule for files that cannot be read shows as such; a second one in the same list is refused', async () => {
  const { page } = tab;
  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('.tabs button[data-section="content_rules"]').click();
  const row = page.locator('#section-content_rules table.items tbody tr', { hasText: 'warn-unreadable-files' });
  assert.equal(await row.locator('td').nth(1).textContent(), 'files that cannot be read');
  await page.locator('#add-item').click();
  await page.locator('#item-form [name="field-unreadable_files"]').check();
  await fillItem(page, { id: 'block-unreadable', action: 'block', policy_ref: 'APP 04.05 §IV.2' });
  const alert = page.locator('#item-form').getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /already acts on unreadable files/);
  assert.equal(await page.locator('#section-content_rules table.items').getByText('block-unreadable').count(), 0);
  await page.locator('#item-form').getByRole('button', { name: 'Cancel' }).click();
});

test('"try it" shows what the draft does to a URL and to a paste', async () => {
  const { page } = tab;
  const box = page.locator('#try-it');
  await box.locator('[name="try-url"]').fill('https://chat.example-ai.test/c/1');
  await box.locator('[name="try-department"]').fill('planning');
  await box.getByRole('button', { name: 'Try it' }).click();
  const decision = page.locator('#try-decision');
  await decision.waitFor();
  assert.equal(await decision.locator('[data-k="rule"]').textContent(), 'block-example-ai');
  await decision.getByText('block', { exact: true }).waitFor();
  // The message is the rule's HTML, as text.
  await decision.getByText(XSS, { exact: true }).waitFor();
  // A paste on that page: the visit and the paste are both decided.
  await box.locator('[name="try-text"]').fill('Resident SSN: 536-22-8726');
  await box.getByRole('button', { name: 'Try it' }).click();
  await page.locator('#try-scan').getByRole('cell', { name: 'us_ssn' }).waitFor();
  assert.equal(await page.locator('#try-decision [data-k="rule"]').textContent(), 'block-example-ai');
  await screenshot(page, 'policy-try-it');
  // The published version does not know the rule yet.
  await box.locator('[name="try-url"]').fill('https://chat.example-ai.test/c/1');
  await box.locator('[name="try-text"]').fill('');
  await box.locator('[name="try-policy"]').selectOption('1');
  await box.getByRole('button', { name: 'Try it' }).click();
  await page.locator('#try-result').getByText('Decided with version 1.').waitFor();
  assert.equal(await page.locator('#try-decision [data-k="rule"]').textContent(), '(none)');
});

test('publishing shows the diff, then the version, its diff and the audit entries', async () => {
  const { page } = tab;
  const panel = page.locator('#publish');
  const diff = panel.locator('#diff');
  await diff.locator('[data-section="site_rules"] li.diff-added', { hasText: 'block-example-ai' }).waitFor();
  const tool = diff.locator('[data-section="authorized_tools"] li.diff-added', { hasText: 'xss-tool' });
  assert.match(await tool.textContent() ?? '', /<img src=x onerror=alert\(1\)>/);
  const workspace = diff.locator('[data-section="authorized_tools"] li.diff-added', { hasText: 'chatgpt-enterprise' });
  assert.match((await workspace.textContent()) ?? '', /City workspace only \(ChatGPT, Microsoft\)/);
  await screenshot(page, 'policy-publish-diff');
  await panel.locator('[name="publish-note"]').fill('Block example-ai.test (ticket 4711)');
  await panel.getByRole('button', { name: 'Publish the draft' }).click();

  await page.locator('#page-versions').getByText('Published version 2.').waitFor();
  const row = page.locator('table.versions tbody tr').first();
  assert.deepEqual((await row.locator('td').allTextContents()).slice(0, 1), ['2']);
  await row.getByText('it@redondo.org').waitFor();
  await row.getByText('Block example-ai.test (ticket 4711)').waitFor();
  await page.locator('#version-diff [data-section="site_rules"] li.diff-added', { hasText: 'block-example-ai' }).waitFor();
  await screenshot(page, 'versions');

  await page.locator('#nav a', { hasText: 'Audit log' }).click();
  const audit = page.locator('table.audit tbody');
  await audit.locator('tr', { hasText: 'policy.publish' }).filter({ hasText: 'version 2' }).filter({ hasText: 'it@redondo.org' }).waitFor();
  await audit.locator('tr', { hasText: 'draft.site_rules.put' }).filter({ hasText: 'site_rules/block-example-ai' }).waitFor();
  await screenshot(page, 'audit');
});

test('a changed rule shows each changed field; a rollback publishes the old version again', async () => {
  const { page } = tab;
  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('#section-site_rules [name="q"]').fill('block-example-ai');
  await page.locator('#section-site_rules').getByRole('button', { name: 'Search' }).click();
  await page.locator('#items-count', { hasText: '1 of 1 shown' }).waitFor();
  await page.locator('button[data-edit="block-example-ai"]').click();
  assert.equal(await page.locator('#item-form [name="field-id"]').isDisabled(), true);
  await fillItem(page, { action: 'warn' });
  await page.getByText('Saved “block-example-ai” in the draft.').waitFor();
  const changed = page.locator('#diff li.diff-changed', { hasText: 'block-example-ai' });
  await changed.waitFor();
  assert.match(await changed.textContent() ?? '', /action: block → warn/);

  await page.locator('#nav a', { hasText: 'Versions' }).click();
  const v1 = page.locator('table.versions tbody tr', { has: page.locator('td:first-child', { hasText: /^1$/ }) });
  await v1.getByRole('button', { name: 'Roll back to 1' }).click();
  await v1.getByRole('button', { name: 'Publish version 1 again?' }).click();
  await page.locator('#page-versions').getByText('Published version 3.').waitFor();
  await page.locator('table.versions tbody tr').first().getByText('Rollback to version 1.').waitFor();
  // The draft went back to version 1 with the rollback: the rule is gone from it.
  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('#section-site_rules [name="q"]').fill('block-example-ai');
  await page.locator('#section-site_rules').getByRole('button', { name: 'Search' }).click();
  await page.locator('#section-site_rules').getByText('Nothing matches.').waitFor();
});

test('no script ran from any rule text', async () => {
  assert.deepEqual(tab.problems, []);
  assert.equal(await tab.page.locator('img').count(), 0);
});
