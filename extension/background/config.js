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
 * @property {string|null} userEmail the person IT says uses this browser, lowercased
 * @property {string[]} staffEmailDomains the City's sign-in domains, lowercased
 */

/**
 * Who is browsing, as the rules use it.
 * @typedef {object} Who
 * @property {string|null} department from managed storage
 * @property {string|null} user the address per-user allows (tools, exceptions, pilots) match:
 *   only one IT vouches for (managed `userEmail`, or a profile signed in to a
 *   `staffEmailDomains` domain); null otherwise
 * @property {string|null} email the best-known address, trusted or not (the profile's): what
 *   suspensions match and reports carry
 */

/**
 * @param {unknown} v
 * @returns {string|null}
 */
function address(v) {
  const t = text(v)?.toLowerCase() ?? null;
  return t && /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(t) ? t : null;
}

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
    userEmail: address(m.userEmail),
    staffEmailDomains: (typeof m.staffEmailDomains === 'string' ? m.staffEmailDomains.split(',') : []).map((d) => d.trim().toLowerCase().replace(/^@/, '')).filter(Boolean),
  };
}

/**
 * Who is browsing, from the managed configuration and the profile's address: the address is
 * trusted for per-user allows only when IT names it (`userEmail`) or the profile is signed in
 * to one of the City's domains (the templates force sign-in to them: BrowserSignin,
 * RestrictSigninToPattern); with neither, no per-user allow applies. Suspensions match any
 * known address: signing in elsewhere must not lift one.
 * @param {Config} config
 * @param {string|null} profile the profile's e-mail
 * @returns {Who}
 */
export function whoFrom(config, profile) {
  const domain = profile?.split('@')[1] ?? '';
  const trusted = config.userEmail ?? (profile && config.staffEmailDomains.includes(domain) ? profile : null);
  return { department: config.department, user: trusted, email: trusted ?? profile };
}

/** Who is browsing, as last read from the trust store by this worker. */
/** @type {Who|null} */
let cached = null;

/**
 * Who is browsing: the department from managed storage, the profile's e-mail when the
 * browser is signed in. Kept in the trust store (trust-store.js), not in chrome.storage.local,
 * where a page's content script could name another department or person; a change is
 * announced in chrome.storage.local (`STORAGE.who`, a time only) as the cue for content
 * scripts and the network line to ask again.
 * @returns {Promise<Who>}
 */
export async function refreshWho() {
  const [config, profile] = await Promise.all([readConfig(), profileEmail()]);
  const next = whoFrom(config, profile);
  const old = await who();
  if (old.department !== next.department || old.user !== next.user || old.email !== next.email) {
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
 * @returns {Promise<Who>}
 */
export async function who() {
  if (!cached) {
    const kept = await readTrust(TRUST.who);
    /** @param {unknown} v */
    const str = (v) => (typeof v === 'string' ? v : null);
    if (kept) cached = { department: str(kept.department), user: str(kept.user), email: str(kept.email) ?? str(kept.user) };
  }
  return cached ?? { department: null, user: null, email: null };
}

/** @type {Map<string, string>} */
const hashes = new Map();

/**
 * The visitor's address as the policy's hashed suspensions name people: lower-case hex
 * SHA-256 of the policy's `suspension_salt`, a line feed and the address (the server's
 * privacy.rs makes them the same way); null without an address or hashed suspensions.
 * @param {{document: () => any}} policy the policy in force (policy-store.js `Current`)
 * @param {Who} person
 * @returns {Promise<string|null>}
 */
async function suspensionHash(policy, person) {
  const salt = policy.document()?.suspension_salt;
  if (typeof salt !== 'string' || !salt || !person.email) return null;
  const key = `${salt}\n${person.email}`;
  let hex = hashes.get(key);
  if (!hex) {
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key));
    hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
    if (hashes.size > 16) hashes.clear();
    hashes.set(key, hex);
  }
  return hex;
}

/**
 * Who is browsing, with the address hashed for the suspensions of the policy in force: what
 * the engine's `decide` and `dnrRules` take.
 * @param {{document: () => any}} policy the policy in force (policy-store.js `Current`)
 * @param {Who} person
 * @returns {Promise<Who & {userHash: string|null}>}
 */
export async function visitor(policy, person) {
  return { ...person, userHash: await suspensionHash(policy, person) };
}

/**
 * @param {() => void} listener called when IT changes the managed configuration
 */
export function onConfigChanged(listener) {
  storage.onChanged((_changes, area) => {
    if (area === 'managed') listener();
  });
}
