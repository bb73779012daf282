/**
 * The dashboard and the reports table over real reports posted by devices: the charts are
 * drawn (a canvas per chart, with Chart.js holding the posted numbers), the counts beside
 * them are right, the time range picker changes them; the reports table filters, pages and
 * exports CSV. A device that fetched the policy is listed by the "not synced lately" card.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, test } from 'node:test';
import { Server, launchBrowser, newPage, screenshot, shown, signIn, waitFor } from './harness.js';

/** @type {Server} */
let server;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof newPage>>} */
let tab;

const DAY = 86400_000;
/** @param {number} msAgo */
const ago = (msAgo) => new Date(Date.now() - msAgo).toISOString();

before(async () => {
  // Devices' last-seen times are flushed to the database every second instead of every minute.
  process.env.LIFEGUARD_DEVICE_FLUSH_SECONDS = '1';
  server = await new Server().start();
  server.addUser('it@redondo.org', 'it_admin');
  const kiosk = server.cli(['token', 'issue', '--role', 'device', '--department', 'parks', '--subject', 'parks-kiosk-1']);
  // Its extension is an unpacked load: the network check is off, and it says so.
  const res = await fetch(`${server.url}/v1/policy`, { headers: { Authorization: `Bearer ${kiosk}`, 'Lifeguard-Network-Guard': 'off' } });
  assert.equal(res.status, 200);
  // Listed once flushed and at least a second old (stale_days=0: last seen before now).
  const it = await server.login('it@redondo.org');
  await waitFor(async () => (await server.api(it, 'GET', '/v1/admin/devices?stale_days=0')).devices.some((/** @type {{device: string}} */ d) => d.device === 'parks-kiosk-1'), 'the kiosk to be recorded');
  const blocked = { kind: 'visit_blocked', host: 'chatgpt.com', rule: 'openai-chatgpt', category: 'general_purpose_ai', action: 'block', user: 'officer@redondo.org' };
  await server.report('police', [
    { ...blocked, time: ago(60_000) },
    { ...blocked, time: ago(120_000) },
    { ...blocked, time: ago(DAY) },
    { kind: 'paste_blocked', time: ago(60_000), host: 'claude.ai', category: 'general_purpose_ai', action: 'block', detectors: { us_ssn: 2 }, user: 'officer@redondo.org' },
  ]);
  await server.report('planning', [
    { kind: 'visit_warned', time: ago(DAY), host: 'otter.ai', category: 'embedded_ai', action: 'warn', user: 'planner@redondo.org' },
    { kind: 'visit_warned', time: ago(DAY), host: 'otter.ai', category: 'embedded_ai', action: 'warn', user: 'planner@redondo.org' },
    { kind: 'paste_redacted', time: ago(60_000), host: 'chatgpt.com', category: 'general_purpose_ai', action: 'redact', detectors: { email: 1, phone_us: 1 }, user: 'planner@redondo.org' },
    // Outside the default 30 days.
    { kind: 'visit_blocked', time: ago(40 * DAY), host: 'midjourney.com', category: 'image_generation', action: 'block', user: 'planner@redondo.org' },
  ]);
  browser = await launchBrowser();
  tab = await newPage(browser);
  await signIn(tab.page, server, 'it@redondo.org');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/**
 * The numbers beside a chart, as [key, count] rows.
 * @param {import('playwright-core').Page} page
 * @param {string} id
 */
async function counts(page, id) {
  const rows = page.locator(`#${id} table.chart-data tbody tr`);
  const out = [];
  for (const row of await rows.all()) out.push(await row.locator('td').allTextContents());
  return out;
}

/**
 * What Chart.js drew on a chart's canvas: its labels and each dataset's numbers.
 * @param {import('playwright-core').Page} page
 * @param {string} id
 */
async function drawn(page, id) {
  return page.locator(`#${id} canvas`).evaluate((canvas) => {
    const chart = /** @type {any} */ (window).Chart.getChart(canvas);
    return { labels: chart.data.labels, data: chart.data.datasets.map((/** @type {any} */ d) => ({ label: d.label, data: d.data })), width: canvas.width };
  });
}

test('the dashboard charts the last 30 days of real reports', async () => {
  const { page } = tab;
  await page.locator('#stats [data-stat="total"]').filter({ hasText: /^7$/ }).waitFor();
  assert.equal(await page.locator('#stats [data-stat="visit_blocked"]').textContent(), '3');
  assert.equal(await page.locator('#stats [data-stat="visit_warned"]').textContent(), '2');
  assert.equal(await page.locator('#stats [data-stat="paste_blocked"]').textContent(), '1');
  assert.equal(await page.locator('#stats [data-stat="paste_redacted"]').textContent(), '1');

  assert.deepEqual(await counts(page, 'chart-department'), [['police', '4'], ['planning', '3']]);
  assert.deepEqual(await counts(page, 'chart-hosts'), [['chatgpt.com', '4'], ['otter.ai', '2'], ['claude.ai', '1']]);
  assert.deepEqual(await counts(page, 'chart-category'), [['general_purpose_ai', '5'], ['embedded_ai', '2']]);
  assert.deepEqual((await counts(page, 'chart-detectors'))[0], ['Social Security number', '2']);
  assert.deepEqual(
    (await counts(page, 'chart-per-day')).sort(),
    [['Paste blocked', '1'], ['Paste redacted', '1'], ['Visit blocked', '3'], ['Visit warned', '2']],
  );

  // Each chart is a drawn canvas holding the same numbers.
  for (const id of ['chart-per-day', 'chart-category', 'chart-department', 'chart-hosts', 'chart-detectors']) {
    assert.ok((await drawn(page, id)).width > 0, `${id} is drawn`);
  }
  const hosts = await drawn(page, 'chart-hosts');
  assert.deepEqual(hosts.labels, ['chatgpt.com', 'otter.ai', 'claude.ai']);
  assert.deepEqual(hosts.data[0].data, [4, 2, 1]);
  const perDay = await drawn(page, 'chart-per-day');
  assert.equal(perDay.labels.length, 30, 'one bar per day of the range');
  const total = perDay.data.reduce((n, d) => n + d.data.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0), 0);
  assert.equal(total, 7);
  const blockedPerDay = perDay.data.find((d) => d.label === 'Visit blocked')?.data ?? [];
  assert.equal(blockedPerDay.reduce((/** @type {number} */ a, /** @type {number} */ b) => a + b, 0), 3);
  // The kiosk fetched the policy moments ago: not stale after 7 days (the default), listed
  // when asking for devices silent for 0 days.
  const stale = page.locator('#chart-stale-devices');
  assert.equal(await stale.locator('[data-stale-count]').getAttribute('data-stale-count'), '0');
  await stale.getByText('No device has gone 7 days without fetching the policy.').waitFor();
  await stale.locator('#stale-days').fill('0');
  await stale.getByRole('button', { name: 'List devices' }).click();
  await page.locator('#chart-stale-devices table.stale-devices tbody tr').first().waitFor();
  const row = await page.locator('#chart-stale-devices table.stale-devices tbody tr', { hasText: 'parks-kiosk-1' }).locator('td').allTextContents();
  assert.equal(row[0], 'parks-kiosk-1');
  assert.equal(row[1], 'parks');
  assert.match(row[2], /^\d+$/, 'the policy version it holds');
  assert.ok(row[3].length > 0, 'when it was last seen');
  assert.equal(row[4], 'off', 'its network check');
  assert.equal(await page.locator('#chart-stale-devices table.stale-devices th').nth(4).textContent(), 'Network check');
  await page.locator('#stats [data-stat="total"]').filter({ hasText: /^7$/ }).waitFor();
  await screenshot(page, 'dashboard');

  // A number opens the reports it counts.
  await page.locator('a.stat', { has: page.locator('[data-stat="visit_blocked"]') }).click();
  await page.locator('#page-info', { hasText: 'Rows 1–3' }).waitFor();
  assert.deepEqual(await page.locator('table.reports tbody tr td:nth-child(3)').allTextContents(), ['chatgpt.com', 'chatgpt.com', 'chatgpt.com']);
  assert.equal(await page.locator('#report-filters [name="kind"]').inputValue(), 'visit_blocked');
  await page.locator('#nav a', { hasText: 'Dashboard' }).click();
  await page.locator('#stats [data-stat="total"]').filter({ hasText: /^7$/ }).waitFor();
});

test('the time range picker changes what is counted', async () => {
  const { page } = tab;
  await page.locator('#range-preset').selectOption('365');
  await page.locator('#stats [data-stat="total"]').filter({ hasText: /^8$/ }).waitFor();
  assert.deepEqual((await counts(page, 'chart-category')).find((r) => r[0] === 'image_generation'), ['image_generation', '1']);
  const tomorrow = new Date(Date.now() + DAY).toISOString().slice(0, 10);
  const later = new Date(Date.now() + 3 * DAY).toISOString().slice(0, 10);
  await page.locator('#range-from').fill(tomorrow);
  await page.locator('#range-to').fill(later);
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('#stats [data-stat="total"]').filter({ hasText: /^0$/ }).waitFor();
  await page.getByText('No reports in this range.').waitFor();
});

test('the reports table filters, pages and exports what it shows as CSV', async () => {
  const { page } = tab;
  const many = Array.from({ length: 60 }, (_, i) => ({ kind: 'visit_blocked', time: ago(i * 1000), host: 'poe.com', category: 'general_purpose_ai', action: 'block', user: `librarian${i}@redondo.org` }));
  await server.report('library', many);

  await page.locator('#nav a', { hasText: 'Reports' }).click();
  await page.locator('table.reports').waitFor();
  const filters = page.locator('#report-filters');
  await filters.locator('[name="kind"]').selectOption('visit_warned');
  await filters.getByRole('button', { name: 'Filter' }).click();
  await shown(page, '#/reports?kind=visit_warned');
  assert.equal(await page.locator('#page-info').textContent(), 'Rows 1–2');
  assert.deepEqual(await page.locator('table.reports tbody tr td:nth-child(3)').allTextContents(), ['otter.ai', 'otter.ai']);
  // A report's user is the device's claim (a department token can name anyone): the table says
  // so on every row, explains why on hover and in its caption.
  const users = page.locator('table.reports tbody tr td:nth-child(8)');
  assert.deepEqual(await users.allTextContents(), ['planner@redondo.org (as reported by the device)', 'planner@redondo.org (as reported by the device)']);
  assert.match(String(await users.first().locator('.claimed-user').getAttribute('title')), /device token .*can name anyone/);
  assert.match(String(await page.locator('table.reports caption').textContent()), /^Users are as reported by the device\./);

  // Each step waits for the page of its own route: the unfiltered table also says
  // "Rows 1–50", and a field filled before Clear's page replaced the form would be lost.
  await page.locator('#report-filters').getByRole('button', { name: 'Clear' }).click();
  await shown(page, '#/reports');
  await page.locator('#report-filters [name="department"]').fill('library');
  await page.locator('#report-filters').getByRole('button', { name: 'Filter' }).click();
  await shown(page, '#/reports?department=library');
  assert.equal(await page.locator('#page-info').textContent(), 'Rows 1–50');
  assert.equal(await page.locator('table.reports tbody tr').count(), 50);
  assert.equal(await page.locator('#page-prev').isDisabled(), true);
  await screenshot(page, 'reports');
  await page.locator('#page-next').click();
  await shown(page, '#/reports?department=library&offset=50');
  assert.equal(await page.locator('#page-info').textContent(), 'Rows 51–60');
  assert.equal(await page.locator('table.reports tbody tr').count(), 10);
  assert.ok((await page.locator('table.reports tbody tr td:nth-child(9)').allTextContents()).every((d) => d === 'library'));
  assert.equal(await page.locator('#page-next').isDisabled(), true);
  await page.locator('#page-prev').click();
  await shown(page, '#/reports?department=library');
  assert.equal(await page.locator('#page-info').textContent(), 'Rows 1–50');

  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
  assert.equal(download.suggestedFilename(), 'lifeguard-reports.csv');
  const csv = fs.readFileSync(/** @type {string} */ (await download.path()), 'utf8').trim().split('\r\n');
  assert.match(csv[0], /^id,kind,time,host,rule,category,action,severity,user_as_reported_by_device,department/);
  assert.equal(csv.length, 61, 'the header and the 60 library events, not one page');
  assert.ok(csv.slice(1).every((line) => line.includes(',poe.com,') && line.includes(',library,')));
  assert.deepEqual(tab.problems, []);
});

test('a report says what it found in words, how many events a device lost, and why a user went on', async () => {
  const { page } = tab;
  await server.report('parks', [
    { kind: 'reports_dropped', time: ago(3000), count: 1234 },
    { kind: 'visit_proceeded', time: ago(2000), host: 'otter.ai', rule: 'embedded-otter', action: 'warn', justification: 'Transcribing the public parks commission meeting.' },
    { kind: 'paste_blocked', time: ago(1000), host: 'claude.ai', action: 'block', detectors: { us_ssn: 1 } },
  ]);
  await page.goto(`${server.url}/admin/#/reports?department=parks`);
  await shown(page, '#/reports?department=parks');
  const column = async (/** @type {number} */ n) => page.locator(`table.reports tbody tr td:nth-child(${n})`).allTextContents();
  assert.deepEqual(await column(2), ['Paste blocked', 'Proceeded after warning', 'Reports dropped']);
  assert.deepEqual(await column(7), ['Social Security number ×1', '', '']);
  assert.deepEqual(await column(11), ['', '“Transcribing the public parks commission meeting.”', 'count 1234']);
  assert.deepEqual(tab.problems, []);
});
