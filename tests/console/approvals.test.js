/**
 * Approval requests (§IV.2) from a device to a decision in the console: IT reviews with the
 * AI Evaluation Checklist, approves one (the tool lands in the draft) and denies another with
 * a reason; an auditor reads the same requests and can do nothing with them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Server, launchBrowser, newPage, screenshot, signIn } from './harness.js';

const XSS = '<img src=x onerror=alert(1)>';

/** @type {Server} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  server = await new Server().start();
  server.addUser('it@redondo.org', 'it_admin');
  server.addUser('auditor@redondo.org', 'auditor');
  const device = server.deviceToken('planning');
  const ask = { requester: 'planner@redondo.org', objective: 'Transcribe public planning commission meetings.', why_ai: 'Hours of audio each week.', alternatives: 'Manual minutes; a human transcription service.', data: 'public' };
  await server.api(device, 'POST', '/v1/approvals', { ...ask, tool: 'Otter', url: 'https://otter.ai/' });
  await server.api(device, 'POST', '/v1/approvals', { ...ask, tool: XSS, url: 'https://evil.example/' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('IT reviews a request with the AI Evaluation Checklist and approves it into the draft', async () => {
  const { page, context, problems } = await newPage(browser);
  await signIn(page, server, 'it@redondo.org');
  await page.locator('#nav a', { hasText: 'Approval requests' }).click();
  const queue = page.locator('table.approvals tbody tr');
  await queue.first().waitFor();
  assert.equal(await queue.count(), 2);
  // The tool name a requester typed is text.
  await queue.filter({ hasText: XSS }).waitFor();
  assert.equal(await page.locator('table.approvals img').count(), 0);
  await screenshot(page, 'approvals-queue');

  await queue.filter({ hasText: 'Otter' }).getByRole('link', { name: 'Review' }).click();
  await page.getByRole('heading', { name: 'Request for Otter' }).waitFor();
  await page.getByText('Transcribe public planning commission meetings.').waitFor();
  // Approving needs the review first: there is no approve form yet.
  assert.equal(await page.locator('#approve').count(), 0);
  const form = page.locator('#checklist form');
  await form.locator('[name="data_types"]').fill('public, internal');
  await form.locator('[name="pii"]').check();
  for (const [name, text] of [
    ['vendor_controls', 'SSO, encryption at rest and in transit.'],
    ['retention_export_deletion', 'Export and delete on request; 30-day retention.'],
    ['explainability', 'Transcripts are verbatim.'],
    ['audit_trails', 'Admin audit log.'],
    ['compliance', 'No CJI; aligned with the Information Security Policy.'],
    ['embedded_third_party_ai', 'Speech models hosted by the vendor.'],
  ]) {
    await form.locator(`[name="${name}"]`).fill(text);
  }
  await form.getByRole('button', { name: 'Save the review' }).click();
  await page.locator('#approve').waitFor();
  await page.getByText('Reviewed by it@redondo.org').waitFor();
  assert.equal(await page.locator('#checklist [name="pii"]').isChecked(), true);
  await screenshot(page, 'approval-review');

  const approve = page.locator('#approve');
  assert.equal(await approve.locator('[name="grant-hosts"]').inputValue(), 'otter.ai');
  await approve.locator('[name="grant-id"]').fill('otter-planning');
  await approve.locator('[name="grant-note"]').fill('Public meetings only.');
  await approve.getByRole('button', { name: 'Approve' }).click();
  const decision = page.locator('#approval-decision');
  await decision.waitFor();
  await decision.getByText('authorized_tools / otter-planning').waitFor();
  await decision.getByText('Public meetings only.').waitFor();
  assert.equal(await page.locator('#approve').count(), 0);

  await page.locator('#nav a', { hasText: 'Policy' }).click();
  await page.locator('.tabs button[data-section="authorized_tools"]').click();
  const tool = page.locator('#section-authorized_tools table.items tbody tr', { hasText: 'otter-planning' });
  await tool.getByText('planner@redondo.org').waitFor();
  await page.locator('#diff [data-section="authorized_tools"] li.diff-added', { hasText: 'otter-planning' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('IT denies a request with the reason the requester will see', async () => {
  const { page, context, problems } = await newPage(browser);
  await signIn(page, server, 'it@redondo.org');
  await page.locator('#nav a', { hasText: 'Approval requests' }).click();
  await page.locator('table.approvals tbody tr', { hasText: XSS }).getByRole('link', { name: 'Review' }).click();
  await page.getByRole('heading', { name: `Request for ${XSS}` }).waitFor();
  await page.locator('#deny [name="deny-reason"]').fill('Unknown vendor; use the City enterprise AI environment.');
  await page.locator('#deny').getByRole('button', { name: 'Deny' }).click();
  await page.locator('#approval-decision').getByText('Unknown vendor; use the City enterprise AI environment.').waitFor();
  await page.locator('#page-approvals dd', { hasText: /^denied$/ }).waitFor();
  assert.equal(await page.locator('#deny').count(), 0);
  await page.locator('#nav a', { hasText: 'Audit log' }).click();
  await page.locator('table.audit tbody tr', { hasText: 'approval.deny' }).waitFor();
  await page.locator('table.audit tbody tr', { hasText: 'approval.approve' }).waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});

test('an auditor reads requests and their checklists but cannot act on them', async () => {
  const { page, context, problems } = await newPage(browser);
  await signIn(page, server, 'auditor@redondo.org');
  await page.locator('#nav a', { hasText: 'Approval requests' }).click();
  await page.locator('table.approvals tbody tr', { hasText: 'Otter' }).getByRole('link', { name: 'Open' }).click();
  await page.getByRole('heading', { name: 'Request for Otter' }).waitFor();
  assert.equal(await page.locator('#checklist [name="vendor_controls"]').inputValue(), 'SSO, encryption at rest and in transit.');
  assert.equal(await page.locator('#checklist [name="vendor_controls"]').isDisabled(), true);
  assert.equal(await page.getByRole('button', { name: /Save the review|Approve|Deny/ }).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
