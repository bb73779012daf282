/**
 * The block and warn pages report only visits the service worker decided (security review
 * item 13). A site that frames or opens them with made-up parameters makes no report: by
 * their fixed address (no longer web accessible: `use_dynamic_url`) nothing loads, and by
 * this session's dynamic address (as if the site had learnt it) the page shows its decision
 * but the worker, which never decided a navigation of that frame, reports nothing and opens
 * nothing after a warning. A real blocked navigation still reports exactly one visit, also
 * after a reload.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack } from '../lib/harness.js';
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
 * The address a page of the extension has this session, as `chrome.runtime.getURL` gives it
 * (the dynamic one, which DNR redirects to).
 * @param {string} page
 */
async function dynamicUrl(page) {
  const worker = await stack.browser.serviceWorker();
  return worker.evaluate((p) => chrome.runtime.getURL(p), page);
}

/**
 * Waits until a frame showing the block or warn page has asked the worker and shown the rule.
 * @param {import('playwright-core').Page} page
 * @param {string} pagePath `pages/block/block.html` or `pages/warn/warn.html`
 * @param {string} rule
 */
async function shownIn(page, pagePath, rule) {
  return waitFor(async () => {
    for (const f of page.frames()) {
      if (f.url().includes(pagePath) && (await f.locator('#rule').textContent()) === rule) return f;
    }
    return null;
  }, `${pagePath} showing ${rule}`);
}

describe('forged visits', () => {
  test('a site framing or opening the block and warn pages with made-up parameters reports nothing', async () => {
    const id = stack.browser.id;
    const [block, warn] = [await dynamicUrl('pages/block/block.html'), await dynamicUrl('pages/warn/warn.html')];
    assert.doesNotMatch(block, new RegExp(`^chrome-extension://${id}/`), 'the pages have a per-session address');
    const site = await stack.browser.context.newPage();
    await site.goto('https://example.org/');

    // The fixed address is not web accessible any more: the frames stay empty.
    await site.evaluate((urls) => {
      for (const u of urls) document.body.append(Object.assign(document.createElement('iframe'), { src: u }));
    }, [`chrome-extension://${id}/pages/block/block.html?source=city#https://chatgpt.com/`, `chrome-extension://${id}/pages/warn/warn.html?source=city#https://grammarly.com/`]);

    // The dynamic address, framed: the page loads and shows the rule, and reports nothing.
    await site.evaluate((u) => document.body.append(Object.assign(document.createElement('iframe'), { src: u })), `${block}?source=city#https://chatgpt.com/framed`);
    await shownIn(site, 'pages/block/block.html', 'openai-chatgpt');

    // Opened as a new tab by the site: the same.
    const [opened] = await Promise.all([stack.browser.context.waitForEvent('page'), site.evaluate((u) => window.open(u), `${block}?source=city#https://chatgpt.com/opened`)]);
    await shownIn(opened, 'pages/block/block.html', 'openai-chatgpt');
    await opened.close();

    // A forged warn page: shown, not reported, and typing a reason opens nothing.
    const [forgedWarn] = await Promise.all([stack.browser.context.waitForEvent('page'), site.evaluate((u) => window.open(u), `${warn}?source=city#https://grammarly.com/`)]);
    await shownIn(forgedWarn, 'pages/warn/warn.html', 'embedded-grammarly');
    await forgedWarn.getByLabel('Why do you need this site for City work?').fill('Checking the grammar of a public press release.');
    await forgedWarn.getByRole('button', { name: 'Continue to the site' }).click();
    await forgedWarn.getByText('Lifeguard did not send this tab here: open the site again to continue.').waitFor();
    await forgedWarn.close();
    await site.close();

    // A real blocked navigation: one report, and none for the forged pages before it (reports
    // leave the queue in order, so they would have arrived first).
    const page = await stack.browser.context.newPage();
    await page.goto('https://chatgpt.com/real').catch(() => {});
    await waitFor(async () => page.url().includes('/pages/block/block.html') && (await page.locator('#rule').textContent()) === 'openai-chatgpt', 'the block page');
    const events = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'visit_blocked' });
      return e.length ? e : null;
    }, 'the real visit_blocked event');
    await page.reload();
    await waitFor(async () => (await page.locator('#rule').textContent()) === 'openai-chatgpt', 'the block page after a reload');
    await stack.browser.syncNow(); // sends whatever is queued
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.equal(events[0].host, 'chatgpt.com');
    assert.equal((await stack.server.events({ kind: 'visit_blocked' })).length, 1, 'a reload reports nothing more');
    assert.deepEqual(await stack.server.events({ kind: 'visit_warned' }), []);
    assert.deepEqual(await stack.server.events({ kind: 'visit_proceeded' }), []);
    await page.close();
  });

  test('a warned site opens after a warning Lifeguard showed', async () => {
    const page = await stack.browser.context.newPage();
    await page.goto('https://grammarly.com/').catch(() => {});
    await waitFor(async () => page.url().includes('/pages/warn/warn.html') && (await page.locator('#rule').textContent()) === 'embedded-grammarly', 'the warn page');
    await page.getByLabel('Why do you need this site for City work?').fill('Checking the grammar of a public press release.');
    await page.getByRole('button', { name: 'Continue to the site' }).click();
    await waitFor(async () => page.url() === 'https://grammarly.com/', 'the site after proceeding');
    await page.close();
    const warned = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'visit_proceeded', host: 'grammarly.com' });
      return e.length ? e : null;
    }, 'visit_proceeded');
    assert.equal(warned.length, 1);
    assert.equal((await stack.server.events({ kind: 'visit_warned', host: 'grammarly.com' })).length, 1);
  });
});
