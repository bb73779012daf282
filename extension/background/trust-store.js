/**
 * What the extension trusts the policy with, kept where no web page's content script can
 * write: the key pinned on first contact, the key that verified the bundle in force, the
 * highest policy version accepted (anti-rollback), who is browsing, and the stale bundle
 * already reported.
 *
 * chrome.storage.local (and sync) can be written by content scripts, so a compromised
 * renderer could pin a rogue server's key or claim a huge version there. chrome.storage.session
 * is closed to content scripts by default (TRUSTED_CONTEXTS) but is emptied when the browser
 * stops, and a pinned key or a version floor that a restart forgets protects little. The
 * extension origin's IndexedDB is both: it survives restarts, and content scripts run in the
 * web page's origin, where the extension's databases do not exist. (DevTools opened on the
 * extension can still write it; the deployment templates close DevTools there.)
 *
 * If the database is lost (a profile reset), nothing is trusted that was not verified: the
 * pinned key is asked for again and the version floor is the verified bundle's own.
 */

const DB_NAME = 'lifeguard-trust';
const STORE = 'trust';

/** Keys of the trust store. */
export const TRUST = Object.freeze({
  /** `{server, key, at}`: the key a server presented at first contact (no managed key). */
  pinnedKey: 'pinnedPolicyKey',
  /** The key (raw Ed25519, base64url) that verified the bundle in force: every load of the
   * kept bundle is verified with it, without waiting for managed storage. */
  bundleKey: 'bundleKey',
  /** `{version, at}`: the highest policy version this browser has accepted. */
  highest: 'highestPolicyVersion',
  /** `{department, user}`: who is browsing, from managed storage and the profile (config.js). */
  who: 'who',
  /** `"version@expires_at"`: the stale bundle already reported as `policy_stale`. */
  staleReported: 'staleReported',
});

/** @type {Promise<IDBDatabase>|null} */
let opened = null;

/** @returns {Promise<IDBDatabase>} */
function db() {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  opened.catch(() => {
    opened = null;
  });
  return opened;
}

/**
 * @param {IDBTransactionMode} mode
 * @param {(s: IDBObjectStore) => IDBRequest} op
 * @returns {Promise<any>}
 */
async function run(mode, op) {
  const tx = (await db()).transaction(STORE, mode);
  const req = op(tx.objectStore(STORE));
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/**
 * @param {string} key one of {@link TRUST}
 * @returns {Promise<any>} the value, or undefined
 */
export function readTrust(key) {
  return run('readonly', (s) => s.get(key));
}

/**
 * @param {string} key one of {@link TRUST}
 * @param {unknown} value
 */
export async function writeTrust(key, value) {
  await run('readwrite', (s) => s.put(value, key));
}
