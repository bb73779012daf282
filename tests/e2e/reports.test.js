/**
 * Reports survive outages: events made while the server is down wait in the extension's
 * persistent queue and arrive exactly once when it is back, even when the service worker
 * was stopped in between (as Chrome stops idle workers), and sending again stores nothing
 * twice.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { realPaste, startStack } from '../lib/harness.js';
import { waitFor } from '../lib/util.js';
import { notice } from '../lib/notices.js';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
before(async () => {
  stack = await startStack();
  await stack.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: 'https://ai.redondo.org' });
});
after(async () => {
  await stack?.close();
});

/** Makes `n` blocked visits and one blocked paste; returns how many events that is. */
async function makeEvents(n) {
  const page = await stack.browser.context.newPage();
  for (let i = 0; i < n; i++) {
    await page.goto(`https://chatgpt.com/c/${i}`).catch(() => {});
    await waitFor(async () => page.url().includes('/pages/block/block.html') && (await page.locator('#rule').textContent()) === 'openai-chatgpt', 'the block page');
  }
  await page.goto('https://ai.redondo.org/');
  await notice(page, 'note', { name: 'Public records notice' }).waitFor();
  await realPaste(page, '#ta', 'SSN 123-45-6789');
  await notice(page, 'alert').waitFor();
  await page.close();
  return n + 1;
}

/** The ids waiting in the extension's queue (read from its storage, as a debugger would). */
async function queuedIds() {
  const worker = await stack.browser.serviceWorker();
  // One item per event, keyed rq:<time>:<uuid> (extension/background/reports.js).
  return worker.evaluate(async () => (await chrome.storage.local.getKeys()).filter((k) => k.startsWith('rq:')).map((k) => k.slice(k.lastIndexOf(':') + 1)));
}

/** @param {string[]} ids */
async function storedCounts(ids) {
  const all = await stack.server.allEvents();
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const e of all) counts.set(e.id, (counts.get(e.id) ?? 0) + 1);
  return ids.map((id) => counts.get(id) ?? 0);
}

test('server down while events happen, then up: every event arrives exactly once', async () => {
  await stack.server.stop();
  const made = await makeEvents(3);
  const ids = await waitFor(async () => {
    const q = await queuedIds();
    return q.length >= made ? q : null;
  }, 'the events in the queue');
  assert.equal(ids.length, made);
  const status = await stack.browser.status();
  assert.equal(status.queued, made);

  await stack.server.start();
  const { text } = await stack.browser.syncNow();
  assert.equal(text, 'The policy is up to date.');
  await waitFor(async () => (await storedCounts(ids)).every((n) => n === 1), 'every event on the server');
  assert.deepEqual(await queuedIds(), []);
  // Sending again (another sync) stores nothing twice.
  await stack.browser.syncNow();
  assert.deepEqual(await storedCounts(ids), ids.map(() => 1));
});

test('the service worker stopped mid-queue loses nothing', async () => {
  await stack.server.stop();
  const made = await makeEvents(2);
  const ids = await waitFor(async () => {
    const q = await queuedIds();
    return q.length >= made ? q : null;
  }, 'the events in the queue');
  const worker = await stack.browser.serviceWorker();
  await worker.evaluate(() => {
    /** @type {any} */ (globalThis).lifeguardTestMarker = true;
  });
  await stack.browser.stopServiceWorkers();
  // Whatever runs now is a new worker: nothing of the old one's memory is left.
  const fresh = await stack.browser.serviceWorker();
  assert.equal(await fresh.evaluate(() => /** @type {any} */ (globalThis).lifeguardTestMarker), undefined);

  await stack.server.start();
  // Opening the popup and syncing wakes a new worker, which finds the queue in storage.
  const { text } = await stack.browser.syncNow();
  assert.equal(text, 'The policy is up to date.');
  await waitFor(async () => (await storedCounts(ids)).every((n) => n === 1), 'every event on the server');
  assert.deepEqual(await queuedIds(), []);
  const kinds = (await stack.server.allEvents()).filter((e) => ids.includes(e.id)).map((e) => e.kind).sort();
  assert.deepEqual(kinds, ['paste_blocked', 'visit_blocked', 'visit_blocked']);
});

test('a full queue drops the oldest events and tells the server how many', async () => {
  await stack.server.stop();
  // A backlog of 4,999 waiting events (a device offline for weeks), made the way the
  // extension stores them, older than anything that happens next.
  const worker = await stack.browser.serviceWorker();
  const seeded = await worker.evaluate(async () => {
    /** @type {Record<string, unknown>} */
    const items = {};
    const ids = [];
    for (let i = 0; i < 4999; i++) {
      const id = crypto.randomUUID();
      ids.push(id);
      items[`rq:${(1_000_000 + i).toString(36).padStart(10, '0')}:${id}`] = { id, kind: 'visit_blocked', time: new Date().toISOString(), host: 'backlog.example', rule: 'openai-chatgpt', extension_version: '0.1.0', extension_id: chrome.runtime.id };
    }
    await chrome.storage.local.set(items);
    return ids;
  });
  const made = await makeEvents(2);
  const status = await waitFor(async () => {
    const s = await stack.browser.status();
    return s.dropped === made - 1 ? s : null;
  }, 'the drop counter');
  assert.equal(status.queued, 5000);

  await stack.server.start();
  await stack.browser.syncNow();
  await waitFor(async () => (await queuedIds()).length === 0, 'the queue to empty', 120_000);
  const dropped = await stack.server.events({ kind: 'reports_dropped' });
  assert.equal(dropped.length, 1);
  assert.equal(dropped[0].count, made - 1);
  assert.equal(dropped[0].rule, null);
  // The oldest seeded events were dropped; the rest arrived once.
  const stored = await storedCounts(seeded);
  assert.deepEqual(stored.slice(0, made - 1), Array(made - 1).fill(0));
  assert.ok(stored.slice(made - 1).every((n) => n === 1));
});
