/**
 * Each console role in real Chromium: what it sees (menu, buttons, records) and that the
 * server refuses what the console hides.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server, launchBrowser, newPage, screenshot, signIn } from './harness.js';

/** @type {Server} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await new Server().start();
  server.addUser('it@redondo.org', 'it_admin');
  server.addUser('chief@redondo.org', 'dept_head', 'police');
  server.addUser('auditor@redondo.org', 'auditor');
  server.addUser('cm@redondo.org', 'city_manager');
  const now = new Date().toISOString();
  await server.report('police', [
    { kind: 'visit_blocked', time: now, host: 'chatgpt.com', rule: 'openai-chatgpt', category: 'general_purpose_ai', action: 'block', user: 'officer@redondo.org' },
  ]);
  await server.report('planning', [
    { kind: 'visit_warned', time: now, host: 'otter.ai', category: 'embedded_ai', action: 'warn', user: 'planner@redondo.org' },
    { kind: 'visit_warned', time: now, host: 'otter.ai', category: 'embedded_ai', action: 'warn', user: 'planner@redondo.org' },
  ]);
  // A tool IT restricted to two departments and one person (§IV.1, §V), and one of another
  // department only.
  const it = await server.login('it@redondo.org');
  await server.api(it, 'PUT', '/v1/admin/draft/authorized_tools/hr-assistant', {
    name: 'HR assistant',
    hosts: ['hr-assistant.example'],
    departments: ['human-resources'],
    policy_ref: 'APP 04.05 §IV.1 Authorization Requirement',
  });
  await server.api(it, 'PUT', '/v1/admin/draft/authorized_tools/m365-copilot', {
    name: 'Microsoft 365 Copilot',
    hosts: ['m365.cloud.microsoft'],
    departments: ['information-technology', 'police'],
    users: ['jane.doe@redondo.org'],
    policy_ref: 'APP 04.05 §IV.1 Authorization Requirement; §V Governance',
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** @param {import('playwright-core').Page} page */
async function menu(page) {
  return page.locator('#nav a').allTextContents();
}

/**
 * Calls the API from the page with the page's own session, as a user poking the console
 * with the developer tools would.
 * @param {import('playwright-core').Page} page
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
async function fromPage(page, method, path, body) {
  return page.evaluate(async ([method, path, body]) => {
    const s = JSON.parse(sessionStorage.getItem('lifeguard.console.session') ?? '{}');
    const res = await fetch(/** @type {string} */ (path), {
      method: /** @type {string} */ (method),
      headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.status;
  }, [method, path, body]);
}

test('the console is served with a strict CSP and asks for a sign-in', async () => {
  const res = await fetch(`${server.url}/admin/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'; style-src 'self'.*frame-ancestors 'none'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const { page, context, problems } = await newPage(browser);
  await page.goto(`${server.url}/admin`);
  await page.getByRole('heading', { name: 'Sign in to the Lifeguard console' }).waitFor();
  await page.locator('#signin-email').fill('it@redondo.org');
  await page.locator('#signin-password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'wrong e-mail or password' }).waitFor();
  await screenshot(page, 'signin');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an IT administrator sees every page and may edit, publish and manage users', async () => {
  const { page, context, problems } = await newPage(browser);
  await signIn(page, server, 'it@redondo.org');
  assert.deepEqual(await menu(page), ['Dashboard', 'Reports', 'Policy', 'Versions', 'Approval requests', 'Audit log', 'Users']);
  assert.equal(await page.locator('#who-role').textContent(), 'IT administrator');
  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('#add-item').waitFor();
  await page.locator('#publish').waitFor();
  // Exceptions are the City Manager's (§VIII): no add button there, even for IT.
  await page.locator('.tabs button[data-section="exceptions"]').click();
  await page.getByText('Only the City Manager adds or changes exceptions').waitFor();
  assert.equal(await page.locator('#add-item').count(), 0);
  await page.locator('#nav a', { hasText: 'Users' }).click();
  await page.locator('table.users').getByText('chief@redondo.org').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('a department head sees their own department only, keeps the staff list of restricted tools, and publishes nothing', async () => {
  const { page, context, problems } = await newPage(browser);
  await signIn(page, server, 'chief@redondo.org');
  assert.deepEqual(await menu(page), ['Dashboard', 'Reports', 'Policy', 'Versions', 'Approval requests']);
  assert.equal(await page.locator('#who-role').textContent(), 'Department head · police');
  await page.getByRole('heading', { name: 'Dashboard · police' }).waitFor();
  await page.locator('#stats [data-stat="total"]').filter({ hasText: /^1$/ }).waitFor();
  assert.deepEqual(await page.locator('#chart-department table td').allTextContents(), ['police', '1']);
  await screenshot(page, 'dashboard-dept-head');

  await page.locator('#nav a', { hasText: 'Reports' }).click();
  await page.locator('table.reports').waitFor();
  const departments = await page.locator('table.reports tbody tr td:nth-child(9)').allTextContents();
  assert.deepEqual(departments, ['police']);
  assert.equal(await page.locator('#report-filters input[name="department"]').isDisabled(), true);

  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('#section-site_rules table.items').waitFor();
  assert.equal(await page.locator('#add-item').count(), 0);
  assert.equal(await page.locator('#publish').count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Edit' }).count(), 0);
  // §V: the department head keeps the staff list of a tool IT restricted, in the draft.
  await page.locator('.tabs button[data-section="authorized_tools"]').click();
  await page.getByText('Department heads keep the list of their staff').waitFor();
  const everyone = page.locator('#section-authorized_tools table.items tbody tr', { hasText: 'city-enterprise-ai' });
  await everyone.locator('td:last-child', { hasText: 'everyone' }).waitFor();
  assert.equal(await everyone.getByRole('button', { name: 'Edit staff' }).count(), 0);
  // Another department's tool: no button, and the server refuses it too.
  const hr = page.locator('#section-authorized_tools table.items tbody tr', { hasText: 'hr-assistant' });
  await hr.getByText('kept by human-resources').waitFor();
  assert.equal(await hr.getByRole('button', { name: 'Edit staff' }).count(), 0);
  assert.equal(await fromPage(page, 'PUT', '/v1/admin/tools/hr-assistant/staff', { users: ['officer.lee@redondo.org'] }), 403);
  await page.locator('button[data-staff="m365-copilot"]').click();
  const staff = page.locator('#staff-form [name="staff-users"]');
  assert.equal(await staff.inputValue(), 'jane.doe@redondo.org');
  await staff.fill('jane.doe@redondo.org\nOfficer.Lee@redondo.org');
  await page.locator('#staff-form').getByRole('button', { name: 'Save to draft' }).click();
  await page.getByText('Saved “m365-copilot” in the draft. Browsers get it once IT publishes the draft.').waitFor();
  await page.locator('#section-authorized_tools table.items tbody tr', { hasText: 'm365-copilot' }).getByText('officer.lee@redondo.org').waitFor();
  await screenshot(page, 'policy-dept-head-staff');
  assert.equal(await fromPage(page, 'PUT', '/v1/admin/tools/city-enterprise-ai/staff', { users: ['x@redondo.org'] }), 403);
  assert.equal(await fromPage(page, 'PUT', '/v1/admin/draft/authorized_tools/m365-copilot', { name: 'x', hosts: ['x.example'], policy_ref: 'APP' }), 403);
  const it = await server.login('it@redondo.org');
  const entries = (await server.api(it, 'GET', '/v1/admin/audit?action=draft.authorized_tools.staff')).entries;
  assert.deepEqual(entries.map((/** @type {any} */ e) => [e.actor, e.target]), [['chief@redondo.org', 'authorized_tools/m365-copilot']]);

  // The server refuses what the console does not offer.
  assert.equal(await fromPage(page, 'GET', '/v1/admin/audit'), 403);
  assert.equal(await fromPage(page, 'GET', '/v1/admin/reports?department=planning'), 403);
  assert.equal(await fromPage(page, 'POST', '/v1/admin/publish', {}), 403);
  assert.equal(await fromPage(page, 'GET', '/v1/admin/users'), 403);
  // A page it cannot see, asked for by URL, shows the first page it can.
  await page.goto(`${server.url}/admin/#/audit`);
  await page.getByRole('heading', { name: 'Dashboard · police' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('an auditor reads everything, the audit log included, and changes nothing', async () => {
  const { page, context, problems } = await newPage(browser);
  await signIn(page, server, 'auditor@redondo.org');
  assert.deepEqual(await menu(page), ['Dashboard', 'Reports', 'Policy', 'Versions', 'Approval requests', 'Audit log']);
  await page.locator('#stats [data-stat="total"]').filter({ hasText: /^3$/ }).waitFor();
  await page.locator('#nav a', { hasText: 'Audit log' }).click();
  await page.locator('table.audit tbody tr', { hasText: 'draft.authorized_tools.staff' }).filter({ hasText: 'chief@redondo.org' }).waitFor();
  await page.locator('table.audit tbody tr', { hasText: 'draft.authorized_tools.put' }).filter({ hasText: 'it@redondo.org' }).filter({ hasText: 'authorized_tools/m365-copilot' }).waitFor();
  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('#section-site_rules table.items').waitFor();
  assert.equal(await page.locator('#add-item').count(), 0);
  assert.equal(await page.locator('#publish').count(), 0);
  await page.locator('#nav a', { hasText: 'Versions' }).click();
  await page.locator('table.versions').waitFor();
  assert.equal(await page.getByRole('button', { name: /Roll back/ }).count(), 0);
  assert.equal(await fromPage(page, 'PUT', '/v1/admin/draft/site_rules/x', { hosts: ['x.example'], category: 'other', action: 'block', policy_ref: 'APP 04.05' }), 403);
  assert.equal(await fromPage(page, 'POST', '/v1/admin/rollback', { to: 1 }), 403);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the City Manager approves an exception (§VIII) and may publish it, but edits no site rule', async () => {
  const { page, context, problems } = await newPage(browser);
  await signIn(page, server, 'cm@redondo.org');
  assert.deepEqual(await menu(page), ['Dashboard', 'Reports', 'Policy', 'Versions', 'Approval requests', 'Audit log']);
  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('#section-site_rules table.items').waitFor();
  assert.equal(await page.locator('#add-item').count(), 0);
  await page.locator('#publish').waitFor();
  await page.locator('.tabs button[data-section="exceptions"]').click();
  await page.locator('#add-item').click();
  const form = page.locator('#item-form');
  await form.locator('[name="field-id"]').fill('exc-pio-midjourney');
  await form.locator('[name="field-hosts"]').fill('midjourney.com');
  await form.locator('[name="field-users"]').fill('pio@redondo.org');
  await form.locator('[name="field-reason"]').fill('Illustrations for public outreach; no City data.');
  await form.locator('[name="field-expires_at"]').fill('2099-03-31');
  await form.getByRole('button', { name: 'Save to draft' }).click();
  await page.getByText('Saved “exc-pio-midjourney” in the draft.').waitFor();
  const row = page.locator('#section-exceptions table.items tbody tr', { hasText: 'exc-pio-midjourney' });
  // The server records who approved, whatever the form said.
  await row.getByText('cm@redondo.org').waitFor();
  await page.locator('#diff').getByText('exc-pio-midjourney').waitFor();
  await screenshot(page, 'policy-city-manager-exception');
  assert.equal(await fromPage(page, 'PUT', '/v1/admin/draft/site_rules/x', { hosts: ['x.example'], category: 'other', action: 'block', policy_ref: 'APP 04.05' }), 403);
  assert.deepEqual(problems, []);
  await context.close();
});

test('signing out forgets the session', async () => {
  const { page, context } = await newPage(browser);
  await signIn(page, server, 'auditor@redondo.org');
  await page.locator('#sign-out').click();
  await page.getByRole('heading', { name: 'Sign in to the Lifeguard console' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.goto(`${server.url}/admin/#/reports`);
  await page.getByRole('heading', { name: 'Sign in to the Lifeguard console' }).waitFor();
  await context.close();
});
