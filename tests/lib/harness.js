/**
 * The whole stack for one test file: a real `lifeguard serve`, the fake sites (and the proxy
 * to the server), the managed policy IT would push, and Chromium with the extension, synced
 * once with the server. Closing it removes the managed policy file and every temporary
 * folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { Browser, extensionId, removeManagedPolicy, writeManagedPolicy } from './browser.js';
import { LifeguardServer } from './server.js';
import { FakeSites, SERVER_HOST } from './sites.js';
import { ROOT, cleanup, tempDir, waitFor } from './util.js';
import { notice } from './notices.js';

export const DEPARTMENT = 'planning';

/**
 * @param {{extraExtensions?: string[]}} [opts]
 */
export async function startStack(opts = {}) {
  const server = new LifeguardServer({ department: DEPARTMENT });
  await server.start();
  const dir = tempDir('lifeguard-sites-');
  const sites = new FakeSites(dir, () => server.url);
  await sites.start();
  writeManagedPolicy({ serverUrl: `https://${SERVER_HOST}`, deviceToken: server.deviceToken, department: DEPARTMENT, policyPublicKey: server.publicKey, syncMinutes: 60 });
  const browser = new Browser({ resolverRules: sites.resolverRules(), extraExtensions: opts.extraExtensions });
  try {
    await browser.launch();
    // Managed storage arrives a few seconds after start; then the extension syncs.
    await waitFor(async () => (await browser.status()).policySource === 'server', 'the first policy sync', 40_000);
  } catch (e) {
    removeManagedPolicy();
    await browser.close().catch(() => {});
    await sites.stop();
    await server.dispose();
    cleanup(dir);
    throw e;
  }
  return {
    server,
    sites,
    browser,
    async close() {
      removeManagedPolicy();
      await browser.close();
      await sites.stop();
      await server.dispose();
      cleanup(dir);
    },
  };
}

/**
 * Pastes for real: the text goes on the clipboard and Control+V makes Chromium fire a
 * trusted paste event (a synthetic ClipboardEvent would prove nothing).
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {string} text
 */
export async function realPaste(page, selector, text) {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.click(selector);
  await page.keyboard.press('Control+V');
}

/**
 * Drops a file on an element, as dragging it from the desktop delivers it: the file is
 * written to disk and dropped with the browser's own drag events (realDrop).
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {string} name
 * @param {string} content
 */
export async function dropFile(page, selector, name, content) {
  // The page reads the file after the drop, so it stays (in TMPDIR, which test-e2e.sh removes).
  const file = path.join(tempDir('lifeguard-drop-'), name);
  fs.writeFileSync(file, content);
  await realDrop(page, selector, [file]);
}

/**
 * Opens the fake chat site with a real editor (sites.js CHAT_EDITORS) and resolves once the
 * guard is ready (on ai.redondo.org: its public-records notice is shown) and the editor has
 * mounted.
 * @param {{browser: import('./browser.js').Browser}} stack
 * @param {string} editor textarea, contenteditable, prosemirror, quill, lexical or codemirror
 * @param {{host?: string, csp?: boolean}} [opts] `csp: false` serves the page without its strict CSP
 */
export async function openChat(stack, editor, { host = 'ai.redondo.org', csp = true } = {}) {
  const page = await stack.browser.context.newPage();
  await page.goto(`https://${host}/chat/${editor}${csp ? '' : '?nocsp'}`);
  if (host === 'ai.redondo.org') await notice(page, 'note', { name: 'Public records notice' }).waitFor();
  await page.locator('body[data-chat-ready]').waitFor({ state: 'attached' });
  await composer(page).waitFor();
  return page;
}

/**
 * The chat site's composer: the element the editor library made editable (or the textarea).
 * @param {import('playwright-core').Page} page
 */
export function composer(page) {
  return page.locator('[data-composer]');
}

/**
 * Pastes rich content for real: the flavours go on the clipboard (the async clipboard API,
 * as copying from a web page or Word puts them there; Chromium sanitizes the HTML on write
 * as it does for any page) and Control+V makes Chromium fire a trusted paste event.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {{html: string, text?: string}} flavours without `text`, an HTML-only clipboard
 */
export async function richPaste(page, selector, { html, text }) {
  await page.evaluate(async ([h, t]) => {
    /** @type {Record<string, Blob>} */
    const items = { 'text/html': new Blob([h], { type: 'text/html' }) };
    if (t !== null) items['text/plain'] = new Blob([t], { type: 'text/plain' });
    await navigator.clipboard.write([new ClipboardItem(items)]);
  }, [html, text ?? null]);
  await page.click(selector);
  await page.keyboard.press('Control+V');
}

/**
 * Drops files from disk, or data of other kinds, on an element as a user dragging them from
 * the desktop or another application does: the browser's own drag events (CDP
 * Input.dispatchDragEvent), trusted, with the real files.
 * @param {import('playwright-core').Page} page
 * @param {string} selector
 * @param {string[]} paths files on disk
 * @param {{mimeType: string, data: string}[]} [items] flavours (text/plain, text/html, text/rtf)
 */
export async function realDrop(page, selector, paths, items = []) {
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not visible`);
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  const cdp = await page.context().newCDPSession(page);
  const data = { items, files: paths, dragOperationsMask: 1 };
  for (const type of ['dragEnter', 'dragOver', 'drop']) await cdp.send('Input.dispatchDragEvent', { type, x, y, data });
  await cdp.detach();
}

/**
 * The stack as IT deploys it, without --load-extension: a real `lifeguard serve` that hosts
 * the CRX (target/lifeguard.crx, packed and signed by `lifeguard extension pack`, published
 * with `lifeguard extension publish`), the fake sites, and Chromium told by policy
 * (ExtensionInstallForcelist) to install it from the server's update manifest and hand it
 * its managed configuration. Resolves once the extension's worker runs; `firstSync()` waits
 * for its first policy sync.
 * @param {{department?: string}} [opts]
 */
export async function startForceInstalled({ department = 'finance' } = {}) {
  const id = extensionId();
  const dirs = [tempDir('lifeguard-sites-'), tempDir('lifeguard-profile-')];
  const server = new LifeguardServer({ department });
  await server.start();
  const sites = new FakeSites(dirs[0], () => server.url);
  await sites.start();
  server.cli(['extension', 'publish', path.join(ROOT, 'target', 'lifeguard.crx')]);
  writeManagedPolicy(
    { serverUrl: `https://${SERVER_HOST}`, deviceToken: server.deviceToken, department, policyPublicKey: server.publicKey },
    {
      ExtensionInstallForcelist: [`${id};${server.url}/extension/update.xml`],
      // Playwright reaches the extension's worker only with this (ENVIRONMENT.md).
      DeveloperToolsAvailability: 1,
    },
  );
  const context = await chromium.launchPersistentContext(dirs[1], {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,
    // Playwright's defaults would stop the extension system and its updater.
    ignoreDefaultArgs: ['--disable-extensions', '--disable-background-networking'],
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors', `--host-resolver-rules=${sites.resolverRules()}`],
  });
  const prefix = `chrome-extension://${id}/`;
  const worker = context.serviceWorkers().find((w) => w.url().startsWith(prefix)) ?? (await context.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith(prefix), timeout: 60_000 }));
  return {
    id,
    server,
    sites,
    context,
    worker,
    /** The extension's status after its first sync with the server, asked from one page. */
    async firstSync() {
      const page = await context.newPage();
      try {
        await page.goto(`${prefix}pages/popup/popup.html`);
        return await waitFor(async () => {
          const s = (await page.evaluate(() => chrome.runtime.sendMessage({ type: 'status' }))).status;
          return s.policySource === 'server' ? s : null;
        }, 'the first sync of the force-installed extension', 60_000);
      } finally {
        await page.close();
      }
    },
    async close() {
      removeManagedPolicy();
      await context.close().catch(() => {});
      await sites.stop();
      await server.dispose();
      for (const d of dirs) cleanup(d);
    },
  };
}

/**
 * The prompts the chat site received at /api/send on a host, once there are `n`.
 * @param {{sites: FakeSites}} stack
 * @param {string} host
 * @param {number} [n]
 */
export function sentPrompts(stack, host, n = 1) {
  return waitFor(async () => {
    const s = stack.sites.sent(host);
    return s.length >= n ? s : null;
  }, `${n} prompts at /api/send`);
}
