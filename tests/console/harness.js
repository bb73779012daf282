/**
 * What the console tests stand on: a real `lifeguard serve` (its own temporary data folder
 * and free port, SQLite), accounts made with `lifeguard user add`, a device token from
 * `lifeguard token issue` to post real reports, and Debian's Chromium driven by
 * playwright-core. Screenshots go to tests/artifacts/console/ (gitignored).
 */
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The binary under test: $LIFEGUARD_BIN, or the debug build. */
export const LIFEGUARD_BIN = process.env.LIFEGUARD_BIN ?? path.join(ROOT, 'target', 'debug', 'lifeguard');
export const ARTIFACTS = path.join(ROOT, 'tests', 'artifacts', 'console');

/** A password long enough for `user add --password-stdin`. */
export const PASSWORD = 'correct horse battery staple';

/** @returns {Promise<number>} a port free on 127.0.0.1 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/**
 * Waits until `check` returns true.
 * @param {() => Promise<boolean>|boolean} check
 * @param {string} what
 */
export async function waitFor(check, what, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class Server {
  constructor() {
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeguard-console-'));
    this.port = 0;
    /** @type {import('node:child_process').ChildProcess|null} */
    this.proc = null;
    this.log = '';
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Runs the operator CLI on this server's data folder.
   * @param {string[]} args
   * @param {string} [input]
   */
  cli(args, input) {
    return execFileSync(LIFEGUARD_BIN, [...args, '--data-dir', this.dataDir], { encoding: 'utf8', input }).trim();
  }

  async start() {
    this.port = await freePort();
    this.proc = spawn(LIFEGUARD_BIN, ['serve', '--data-dir', this.dataDir, '--listen', `127.0.0.1:${this.port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr?.on('data', (d) => {
      this.log = (this.log + d).slice(-20_000);
    });
    await waitFor(async () => (await fetch(`${this.url}/healthz`)).ok, 'lifeguard serve to answer');
    return this;
  }

  async stop() {
    const p = this.proc;
    this.proc = null;
    if (p && p.exitCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /**
   * Makes a console account with `lifeguard user add`.
   * @param {string} email
   * @param {'it_admin'|'dept_head'|'auditor'|'city_manager'} role
   * @param {string} [department]
   */
  addUser(email, role, department) {
    const args = ['user', 'add', '--email', email, '--role', role, '--password-stdin'];
    if (department) args.push('--department', department);
    this.cli(args, `${PASSWORD}\n`);
  }

  /**
   * A device token for a department, as IT would put in managed storage.
   * @param {string} department
   */
  deviceToken(department) {
    return this.cli(['token', 'issue', '--role', 'device', '--department', department, '--subject', `device-${department}`]);
  }

  /**
   * Calls the API.
   * @param {string|null} token
   * @param {string} method
   * @param {string} apiPath
   * @param {unknown} [body]
   */
  async api(token, method, apiPath, body) {
    /** @type {Record<string, string>} */
    const headers = {};
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(`${this.url}${apiPath}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${apiPath}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /**
   * Signs in over the API.
   * @param {string} email
   */
  async login(email) {
    return (await this.api(null, 'POST', '/v1/auth/login', { email, password: PASSWORD })).token;
  }

  /**
   * Posts report events from a device of `department`, as the extension does.
   * @param {string} department
   * @param {Record<string, unknown>[]} events each without id (one is made)
   */
  async report(department, events) {
    const token = this.deviceToken(department);
    const batch = events.map((e) => ({ id: crypto.randomUUID(), extension_version: '1.0.0', policy_version: 1, ...e }));
    const res = await this.api(token, 'POST', '/v1/reports', { events: batch });
    if (res.rejected.length) throw new Error(`rejected: ${JSON.stringify(res.rejected)}`);
    return res;
  }
}

/** Debian's Chromium, headless. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * A fresh page (own storage) that fails the test on any dialog, page error or CSP
 * violation it sees.
 * @param {import('playwright-core').Browser} browser
 */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  /** @type {string[]} */
  const problems = [];
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.type()} ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  return { context, page, problems };
}

/**
 * Signs in through the console's form.
 * @param {import('playwright-core').Page} page
 * @param {Server} server
 * @param {string} email
 */
export async function signIn(page, server, email) {
  await page.goto(`${server.url}/admin/`);
  await page.locator('#signin-email').fill(email);
  await page.locator('#signin-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#who-email').waitFor();
}

/**
 * Waits until the console shows `route` (its URL fragment, such as
 * `#/reports?department=library`) fully loaded. A click that navigates changes the fragment
 * at once but renders later: waiting for text the old page also shows would race it.
 * @param {import('playwright-core').Page} page
 * @param {string} route
 */
export async function shown(page, route) {
  await page.locator(`#main > [data-route="${route}"][aria-busy="false"]`).waitFor();
}

/**
 * Saves a full-page screenshot as a test artefact.
 * @param {import('playwright-core').Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}
