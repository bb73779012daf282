/**
 * User and role management by IT: add an account (its generated password shown once), sign
 * in with it, change its role, delete it; IT cannot lock itself out; the server refuses the
 * user API to every other role. An account whose password IT set must choose its own first;
 * signing out ends the session on the server.
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
  server.addUser('auditor@redondo.org', 'auditor');
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('IT adds a department head, who signs in with the password shown once; IT changes the role and deletes the account', async () => {
  const { page, context, problems } = await newPage(browser);
  await signIn(page, server, 'it@redondo.org');
  await page.locator('#nav a', { hasText: 'Users' }).click();
  const add = page.locator('#add-user');
  await add.locator('[name="new-email"]').fill('Library.Head@Redondo.org');
  await add.locator('[name="new-role"]').selectOption('dept_head');
  await add.locator('[name="new-department"]').fill('library');
  await add.getByRole('button', { name: 'Add account' }).click();
  const password = (await page.locator('#new-password').textContent()) ?? '';
  assert.equal(password.length, 24);
  const row = page.locator('table.users tbody tr', { hasText: 'library.head@redondo.org' });
  await row.waitFor();
  assert.equal(await row.locator('select').inputValue(), 'dept_head');
  await screenshot(page, 'users');

  const login = await fetch(`${server.url}/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'library.head@redondo.org', password }) });
  assert.equal(login.status, 200);
  assert.deepEqual([(await login.json()).role], ['dept_head']);

  // A department head needs a department: the server says so.
  await row.locator('input').fill('');
  await row.getByRole('button', { name: 'Save' }).click();
  await page.locator('#users-status').getByRole('alert').filter({ hasText: 'needs a `department`' }).waitFor();
  await row.locator('select').selectOption('auditor');
  await row.getByRole('button', { name: 'Save' }).click();
  await page.locator('#users-status').getByText('Saved library.head@redondo.org.').waitFor();
  assert.equal(await page.locator('table.users tbody tr', { hasText: 'library.head@redondo.org' }).locator('select').inputValue(), 'auditor');

  // IT's own row offers no role change and no delete.
  const own = page.locator('table.users tbody tr', { hasText: 'it@redondo.org' });
  assert.equal(await own.locator('select').isDisabled(), true);
  assert.equal(await own.getByRole('button', { name: 'Delete' }).count(), 0);

  const target = page.locator('table.users tbody tr', { hasText: 'library.head@redondo.org' });
  await target.getByRole('button', { name: 'Delete' }).click();
  await target.getByRole('button', { name: 'Really delete?' }).click();
  await page.locator('#users-status').getByText('Deleted library.head@redondo.org.').waitFor();
  assert.equal(await page.locator('table.users tbody tr', { hasText: 'library.head@redondo.org' }).count(), 0);

  await page.locator('#nav a', { hasText: 'Audit log' }).click();
  for (const action of ['user.add', 'user.update', 'user.delete']) {
    await page.locator('table.audit tbody tr', { hasText: action }).filter({ hasText: 'library.head@redondo.org' }).first().waitFor();
  }
  // No password or hash in the audit log.
  const audit = await page.locator('table.audit').textContent();
  assert.ok(!audit?.includes(password) && !audit?.includes('argon2'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the server keeps IT from locking itself out and every other role out of the user API', async () => {
  const it = await server.login('it@redondo.org');
  await assert.rejects(server.api(it, 'DELETE', '/v1/admin/users/it@redondo.org'), /409/);
  await assert.rejects(server.api(it, 'PUT', '/v1/admin/users/it@redondo.org', { role: 'auditor' }), /409/);
  await assert.rejects(server.api(it, 'POST', '/v1/admin/users', { email: 'it@redondo.org', role: 'auditor' }), /409/);
  const auditor = await server.login('auditor@redondo.org');
  await assert.rejects(server.api(auditor, 'GET', '/v1/admin/users'), /403/);
  await assert.rejects(server.api(auditor, 'POST', '/v1/admin/users', { email: 'x@redondo.org', role: 'it_admin' }), /403/);
});

test('a new account chooses its own password before anything else, and signing out ends the session on the server', async () => {
  const it = await server.login('it@redondo.org');
  const created = await server.api(it, 'POST', '/v1/admin/users', { email: 'clerk@redondo.org', role: 'auditor' });
  const { page, context, problems } = await newPage(browser);
  await page.goto(`${server.url}/admin/`);
  await page.locator('#signin-email').fill('clerk@redondo.org');
  await page.locator('#signin-password').fill(created.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const form = page.locator('#page-new-password');
  await form.getByText('was set by someone else').waitFor();
  // No menu, no page: the server would refuse them anyway.
  assert.equal(await page.locator('#nav a').count(), 0);
  const pending = await page.evaluate(() => JSON.parse(sessionStorage.getItem('lifeguard.console.session') ?? '{}').token);
  await assert.rejects(server.api(pending, 'GET', '/v1/admin/reports'), /403/);

  await form.locator('#change-current').fill(created.password);
  await form.locator('#change-new').fill('clerk chose this one');
  await form.locator('#change-again').fill('clerk chose this too');
  await form.getByRole('button', { name: 'Set my password' }).click();
  await form.getByRole('alert').filter({ hasText: 'differ' }).waitFor();
  await form.locator('#change-again').fill('clerk chose this one');
  await form.getByRole('button', { name: 'Set my password' }).click();
  await page.locator('#nav a', { hasText: 'Reports' }).waitFor();
  assert.equal(await page.locator('#who-email').textContent(), 'clerk@redondo.org');
  const session = await page.evaluate(() => JSON.parse(sessionStorage.getItem('lifeguard.console.session') ?? '{}').token);
  assert.ok((await server.api(session, 'GET', '/v1/admin/reports')) !== null);

  await page.locator('#sign-out').click();
  await page.locator('#signin-email').waitFor();
  // The token is dead on the server, not only forgotten by the tab.
  await assert.rejects(server.api(session, 'GET', '/v1/admin/reports'), /401/);
  const login = await fetch(`${server.url}/v1/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'clerk@redondo.org', password: 'clerk chose this one' }) });
  assert.equal((await login.json()).must_change_password, false);
  assert.deepEqual(problems, []);
  await context.close();
});
