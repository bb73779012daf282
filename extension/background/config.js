/**
 * The configuration IT pushes through enterprise policy (chrome.storage.managed, schema in
 * manifest/managed_schema.json), and who is browsing.
 *
 * Managed storage can be empty for a few seconds after a force-install and changes when IT
 * changes the policy; callers subscribe with {@link onConfigChanged}.
 */
import { profileEmail, storage } from '../shared/chrome.js';
import { STORAGE } from '../shared/messages.js';
import { TRUST, readTrust, writeTrust } from './trust-store.js';

/**
 * @typedef {object} Config
 * @property {string|null} serverUrl without a trailing slash
 * @property {string|null} deviceToken
 * @property {string|null} department lowercased
 * @property {string|null} policyPublicKey raw Ed25519, base64url
 * @property {number} syncMinutes
 */

/**
 * @param {unknown} v
 * @returns {string|null}
 */
function text(v) {
  return typeof v === 'string' && v.trim() ? v.trim() : null;
}

/**
 * Reads and normalises the managed configuration.
 * @returns {Promise<Config>}
 */
export async function readConfig() {
  /** @type {Record<string, any>} */
  let m = {};
  try {
    m = await storage.get('managed', null);
  } catch {
    // No managed storage (not an enterprise-managed browser): run on the built-in policy.
  }
  let serverUrl = text(m.serverUrl);
  if (serverUrl) {
    try {
      const u = new URL(serverUrl);
      // A token must never travel in clear text, except to a server on this machine.
      const local = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
      serverUrl = u.protocol === 'https:' || (u.protocol === 'http:' && local) ? u.href.replace(/\/+$/, '') : null;
    } catch {
      serverUrl = null;
    }
  }
  // managed_schema.json: 1 to 1440 (Chrome refuses other values before they reach us).
  const minutes = Number.isInteger(m.syncMinutes) && m.syncMinutes >= 1 && m.syncMinutes <= 1440 ? m.syncMinutes : 15;
  return {
    serverUrl,
    deviceToken: text(m.deviceToken),
    department: text(m.department)?.toLowerCase() ?? null,
    policyPublicKey: text(m.policyPublicKey),
    syncMinutes: minutes,
  };
}

/** Who is browsing, as last read from the trust store by this worker. */
/** @type {{department: string|null, user: string|null}|null} */
let cached = null;

/**
 * Who is browsing: the department from managed storage, the profile's e-mail when the
 * browser is signed in. Kept in the trust store (trust-store.js), not in chrome.storage.local,
 * where a page's content script could name another department or person; a change is
 * announced in chrome.storage.local (`STORAGE.who`, a time only) as the cue for content
 * scripts and the network line to ask again.
 * @returns {Promise<{department: string|null, user: string|null}>}
 */
export async function refreshWho() {
  const [config, user] = await Promise.all([readConfig(), profileEmail()]);
  const next = { department: config.department, user };
  const old = await who();
  if (old.department !== next.department || old.user !== next.user) {
    await writeTrust(TRUST.who, next);
    cached = next;
    await storage.set('local', { [STORAGE.who]: { changedAt: Date.now() } });
  }
  return next;
}

/**
 * Who is browsing, as last kept; never waits for managed storage (its first read takes
 * seconds, and enforcement must not wait for it). Before the first read: nobody in
 * particular, which gets the city-wide rules.
 * @returns {Promise<{department: string|null, user: string|null}>}
 */
export async function who() {
  if (!cached) {
    const kept = await readTrust(TRUST.who);
    if (kept) cached = { department: typeof kept.department === 'string' ? kept.department : null, user: typeof kept.user === 'string' ? kept.user : null };
  }
  return cached ?? { department: null, user: null };
}

/**
 * @param {() => void} listener called when IT changes the managed configuration
 */
export function onConfigChanged(listener) {
  storage.onChanged((_changes, area) => {
    if (area === 'managed') listener();
  });
}
