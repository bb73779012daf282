/**
 * Real Chromium (Debian's, driven by playwright-core) with the built extension, configured
 * the way IT configures it: a managed policy file in /etc/chromium/policies/managed/ with
 * the extension's managed storage (serverUrl, deviceToken, department, policyPublicKey).
 * The file is removed when the browser is closed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { ROOT, cleanup, tempDir, waitFor } from './util.js';

export const EXTENSION_DIR = path.join(ROOT, 'target', 'extension');
export const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = path.join(POLICY_DIR, 'lifeguard-e2e.json');

/** The id the build's key gives the extension. */
export function extensionId() {
  return fs.readFileSync(path.join(ROOT, 'target', 'extension-id.txt'), 'utf8').trim();
}

/**
 * Writes the enterprise policy that configures the extension.
 * @param {Record<string, unknown>} managed the extension's managed storage
 * @param {Record<string, unknown>} [browserPolicies] other Chromium policies
 */
export function writeManagedPolicy(managed, browserPolicies = {}) {
  fs.mkdirSync(POLICY_DIR, { recursive: true });
  const doc = { ...browserPolicies, '3rdparty': { extensions: { [extensionId()]: managed } } };
  fs.writeFileSync(POLICY_FILE, JSON.stringify(doc, null, 2));
}

export function removeManagedPolicy() {
  fs.rmSync(POLICY_FILE, { force: true });
}

export class Browser {
  /**
   * @param {{resolverRules: string, extraExtensions?: string[]}} opts other unpacked
   *   extensions to load beside Lifeguard
   */
  constructor(opts) {
    this.opts = opts;
    this.profile = tempDir('lifeguard-profile-');
    this.id = extensionId();
  }

  async launch() {
    this.context = await chromium.launchPersistentContext(this.profile, {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      ignoreHTTPSErrors: true,
      args: [
        `--disable-extensions-except=${[EXTENSION_DIR, ...(this.opts.extraExtensions ?? [])].join(',')}`,
        `--load-extension=${[EXTENSION_DIR, ...(this.opts.extraExtensions ?? [])].join(',')}`,
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--ignore-certificate-errors',
        `--host-resolver-rules=${this.opts.resolverRules}`,
      ],
    });
    this.worker = await this.serviceWorker();
    return this;
  }

  /** The extension's service worker (a new one after it was stopped). */
  async serviceWorker() {
    const ctx = /** @type {import('playwright-core').BrowserContext} */ (this.context);
    const prefix = `chrome-extension://${this.id}/`;
    const live = ctx.serviceWorkers().find((w) => w.url().startsWith(prefix));
    if (live) return live;
    return ctx.waitForEvent('serviceworker', { predicate: (w) => w.url().startsWith(prefix), timeout: 20_000 });
  }

  /**
   * Opens a page of the extension (popup, options).
   * @param {string} pagePath
   */
  async extensionPage(pagePath) {
    const page = await /** @type {any} */ (this.context).newPage();
    await page.goto(`chrome-extension://${this.id}/${pagePath}`);
    return page;
  }

  /** "Sync now" in the popup, as a user would; resolves with the popup's message. */
  async syncNow() {
    const popup = await this.extensionPage('pages/popup/popup.html');
    await popup.getByRole('button', { name: 'Sync now' }).click();
    await waitFor(async () => {
      const t = await popup.locator('#result').textContent();
      return t && t !== 'Syncing…' ? t : null;
    }, 'the popup to finish syncing');
    const text = await popup.locator('#result').textContent();
    const status = await popup.locator('main').innerText();
    await popup.close();
    return { text, status };
  }

  /** The service worker's status (what the popup shows). */
  async status() {
    const popup = await this.extensionPage('pages/popup/popup.html');
    const status = await popup.evaluate(() => chrome.runtime.sendMessage({ type: 'status' }));
    await popup.close();
    return status.status;
  }

  /**
   * Stops every service worker, as Chrome stops an idle one (see stopServiceWorkers).
   */
  async stopServiceWorkers() {
    await stopServiceWorkers(/** @type {import('playwright-core').BrowserContext} */ (this.context), this.id);
  }

  async close() {
    await this.context?.close().catch(() => {
      // Already gone (a stopped worker can take its target down with it).
    });
    cleanup(this.profile);
  }
}

/**
 * Stops every service worker, as Chrome stops an idle one (CDP ServiceWorker domain, from a
 * page the guard ignores); resolves once the extension's worker has reported "stopped".
 * Chrome may start it again at once for a pending event: that is a fresh worker with nothing
 * in memory.
 * @param {import('playwright-core').BrowserContext} ctx
 * @param {string} id the extension's
 */
export async function stopServiceWorkers(ctx, id) {
  const page = await ctx.newPage();
  await page.goto('https://example.org/');
  const cdp = await ctx.newCDPSession(page);
  const prefix = `chrome-extension://${id}/`;
  const stopped = new Promise((resolve) => {
    cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
      if (e.versions.some((v) => v.scriptURL.startsWith(prefix) && v.runningStatus === 'stopped')) resolve(undefined);
    });
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  await stopped;
  await cdp.detach().catch(() => {});
  await page.close();
}
