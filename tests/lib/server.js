/**
 * A real `lifeguard serve` for the tests: its own data folder (SQLite) and port, a device
 * token and an IT admin token issued with the operator CLI, and the admin API.
 */
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, cleanup, freePort, tempDir, waitFor } from './util.js';

/** The binary under test: $LIFEGUARD_BIN, or the debug build. */
export const LIFEGUARD_BIN = process.env.LIFEGUARD_BIN ?? path.join(ROOT, 'target', 'debug', 'lifeguard');

export class LifeguardServer {
  /** @param {{department?: string}} [opts] */
  constructor(opts = {}) {
    this.dataDir = tempDir('lifeguard-server-');
    this.department = opts.department ?? 'planning';
    /** @type {import('node:child_process').ChildProcess|null} */
    this.proc = null;
    this.port = 0;
    this.log = '';
  }

  /** @param {string[]} args */
  cli(args) {
    return execFileSync(LIFEGUARD_BIN, [...args, '--data-dir', this.dataDir], { encoding: 'utf8' }).trim();
  }

  /** Starts the server (again, on the same port and data, after {@link stop}). */
  async start() {
    this.port ||= await freePort();
    this.proc = spawn(LIFEGUARD_BIN, ['serve', '--data-dir', this.dataDir, '--listen', `127.0.0.1:${this.port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc.stderr?.on('data', (d) => {
      this.log = (this.log + d).slice(-20_000);
    });
    await waitFor(async () => (await fetch(`${this.url}/v1/policy/key`)).ok, 'lifeguard serve to answer');
    if (!this.deviceToken) {
      this.publicKey = JSON.parse(this.cli(['keys', 'show'])).public_key;
      this.deviceToken = this.cli(['token', 'issue', '--role', 'device', '--department', this.department, '--subject', 'e2e-device']);
      this.adminToken = this.cli(['token', 'issue', '--role', 'it_admin', '--subject', 'it@redondo.org']);
    }
  }

  /** Stops the server as an outage would (SIGKILL: no draining). */
  async stop() {
    const p = this.proc;
    if (!p) return;
    this.proc = null;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  }

  async dispose() {
    await this.stop();
    cleanup(this.dataDir);
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Calls the admin API as IT.
   * @param {string} method
   * @param {string} apiPath
   * @param {unknown} [body]
   */
  async admin(method, apiPath, body) {
    const res = await fetch(`${this.url}${apiPath}`, {
      method,
      headers: { Authorization: `Bearer ${this.adminToken}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${apiPath}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /**
   * Stored report events matching a query (`kind`, `host`, `rule`, ...).
   * @param {Record<string, string>} [query]
   * @returns {Promise<any[]>}
   */
  async events(query = {}) {
    const q = new URLSearchParams({ limit: '1000', ...query });
    return (await this.admin('GET', `/v1/admin/reports?${q}`)).events;
  }

  /**
   * Every stored event matching a query, page by page (the API returns 1000 at most).
   * @param {Record<string, string>} [query]
   * @returns {Promise<any[]>}
   */
  async allEvents(query = {}) {
    const out = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await this.events({ ...query, offset: String(offset) });
      out.push(...page);
      if (page.length < 1000) return out;
    }
  }

  /** @returns {Promise<any[]>} */
  async approvals() {
    return (await this.admin('GET', '/v1/admin/approvals')).requests;
  }
}
