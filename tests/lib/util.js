/**
 * Small helpers for the end-to-end tests: free ports, temporary folders, waiting.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

/** A fresh temporary folder, removed by {@link cleanup}. */
export function tempDir(prefix = 'lifeguard-e2e-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** @param {string} dir */
export function cleanup(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Polls `fn` until it returns a truthy value; throws with `what` after `timeoutMs`.
 * @template T
 * @param {() => Promise<T>|T} fn
 * @param {string} what
 * @param {number} [timeoutMs]
 * @returns {Promise<T>}
 */
export async function waitFor(fn, what, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
