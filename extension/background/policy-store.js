/**
 * The policy this browser enforces: the last good signed bundle from the server, kept in
 * chrome.storage.local across restarts as it was received (the JWS), or, before the first
 * sync, the default city policy built into lifeguard-core.
 *
 * The service worker may be stopped at any time, so the compiled engine is a cache that is
 * rebuilt from storage on demand. Content scripts can write chrome.storage.local, so what is
 * kept there is not trusted: every load verifies the bundle's signature again with the key
 * that verified it when it was accepted, and checks its version against the highest one
 * accepted, both kept in the trust store (trust-store.js), which content scripts cannot
 * write. Version, expiry and document come from the verified payload only. A kept bundle
 * that fails is discarded and reported (`policy_tampered`, {@link onPolicyTampered}); the
 * built-in policy is enforced until the next genuine sync, never no policy.
 */
import { storage } from '../shared/chrome.js';
import { STORAGE } from '../shared/messages.js';
import { compile, defaultPolicyJson, loadEngine } from '../shared/engine.js';
import { errorText } from '../shared/errors.js';
import { importPublicKey, verifyBundle } from './jws.js';
import { TRUST, readTrust, writeTrust } from './trust-store.js';

/**
 * What chrome.storage.local keeps (untrusted until verified again).
 * @typedef {object} KeptBundle
 * @property {string} jws the signed bundle as the server sent it
 * @property {string|null} etag the server's ETag for it
 * @property {number} receivedAt ms since the epoch
 */

/**
 * A verified bundle.
 * @typedef {object} StoredPolicy
 * @property {string} jws the signed bundle as received
 * @property {string} key the policy key (raw Ed25519, base64url) that verified it
 * @property {number} version
 * @property {string|null} publishedAt
 * @property {string|null} [expiresAt] RFC 3339, from the signed bundle: after it the policy is
 *   stale (still enforced, reported once); none in bundles stored before bundles expired
 * @property {string} policyJson the policy document, as signed
 * @property {string|null} etag the server's ETag for this bundle
 * @property {number} receivedAt ms since the epoch
 */

/**
 * @typedef {object} Current
 * @property {import('../wasm/lifeguard_core.js').WasmEngine} engine
 * @property {number} version
 * @property {'built-in'|'server'} source
 * @property {StoredPolicy|null} stored
 * @property {() => any} document the parsed policy document (lazily)
 */

/** @type {Promise<Current>|null} */
let current = null;

/** @type {Set<(c: Current) => void>} */
const listeners = new Set();

/**
 * @param {StoredPolicy|null} stored
 * @param {import('../wasm/lifeguard_core.js').WasmEngine} [compiled] `stored`, compiled already
 * @returns {Current}
 */
function build(stored, compiled) {
  let engine;
  let source = /** @type {'built-in'|'server'} */ ('server');
  try {
    engine = compiled ?? compile(stored?.policyJson);
  } catch (e) {
    // A stored bundle that no longer compiles (an older engine?) must not leave the browser
    // unprotected: fall back to the built-in policy and say so.
    console.error('Lifeguard: the stored policy does not compile; enforcing the built-in policy', e);
    stored = null;
    engine = compile(null);
  }
  if (!stored) source = 'built-in';
  /** @type {any} */
  let doc;
  return {
    engine,
    version: stored ? stored.version : engine.version,
    source,
    stored,
    document: () => (doc ??= JSON.parse(stored ? stored.policyJson : defaultPolicyJson())),
  };
}

/** @type {Set<(reason: string) => void>} */
const tamperListeners = new Set();

/**
 * Calls `listener` when a kept bundle fails verification on load and is discarded.
 * @param {(reason: string) => void} listener
 */
export function onPolicyTampered(listener) {
  tamperListeners.add(listener);
}

/** The policy in force, compiled. */
export function currentPolicy() {
  current ??= (async () => {
    await loadEngine();
    const { [STORAGE.policy]: kept } = await storage.get('local', STORAGE.policy);
    if (!kept) return build(null);
    let trust;
    try {
      trust = await Promise.all([readTrust(TRUST.bundleKey), readTrust(TRUST.highest)]);
    } catch (e) {
      // The trust store cannot be read (not that the bundle is bad): enforce the built-in
      // policy for now, keep the bundle, and try again on the next load.
      console.error('Lifeguard: the trust store cannot be read; enforcing the built-in policy', e);
      current = null;
      return build(null);
    }
    let stored;
    try {
      stored = await verifyKept(kept, ...trust);
    } catch (e) {
      const reason = errorText(e);
      console.error('Lifeguard: the kept policy bundle does not verify; it is discarded and the built-in policy enforced until the next sync:', reason);
      await storage.remove('local', STORAGE.policy);
      // After this load resolves: listeners report it, and a report reads the policy in force.
      setTimeout(() => {
        for (const l of tamperListeners) l(reason);
      }, 0);
      return build(null);
    }
    return build(stored);
  })();
  return current;
}

/**
 * Verifies what chrome.storage.local holds as the policy, as if it had just arrived.
 * @param {any} kept
 * @param {unknown} key the trust store's key that verified the bundle in force
 * @param {any} highest the trust store's highest version accepted
 * @returns {Promise<StoredPolicy>}
 */
async function verifyKept(kept, key, highest) {
  if (typeof kept?.jws !== 'string') throw new Error('the kept policy is not a signed bundle');
  if (typeof key !== 'string') throw new Error('no key that verified a bundle is known');
  const { payload, policyJson } = await verifyBundle(kept.jws, await importPublicKey(key));
  if (Number.isSafeInteger(highest?.version) && payload.version < highest.version) {
    throw new Error(`the kept bundle is version ${payload.version}, older than version ${highest.version} accepted before`);
  }
  return {
    jws: kept.jws,
    key,
    version: payload.version,
    publishedAt: payload.published_at ?? null,
    expiresAt: payload.expires_at,
    policyJson,
    etag: typeof kept.etag === 'string' ? kept.etag : null,
    receivedAt: Number.isFinite(kept.receivedAt) ? kept.receivedAt : 0,
  };
}

/**
 * Keeps a verified bundle: the JWS in chrome.storage.local, then (only once that is written)
 * the key and the version floor in the trust store.
 * @param {StoredPolicy} s
 */
async function keep(s) {
  /** @type {KeptBundle} */
  const kept = { jws: s.jws, etag: s.etag, receivedAt: s.receivedAt };
  await storage.set('local', { [STORAGE.policy]: kept });
  await writeTrust(TRUST.bundleKey, s.key);
  const highest = await readTrust(TRUST.highest);
  if (!(Number.isSafeInteger(highest?.version) && highest.version >= s.version)) {
    await writeTrust(TRUST.highest, { version: s.version, at: Date.now() });
  }
}

/**
 * The highest policy version this browser has accepted (0 before the first).
 * @returns {Promise<number>}
 */
async function highestAccepted() {
  const highest = await readTrust(TRUST.highest);
  return Number.isSafeInteger(highest?.version) ? highest.version : 0;
}

/**
 * Makes a verified bundle the policy in force. Throws (and changes nothing) when the
 * document does not compile or its version is lower than the one held.
 * @param {StoredPolicy} next
 * @returns {Promise<'accepted'|'same'>}
 */
export async function acceptPolicy(next) {
  const held = await currentPolicy();
  if (held.stored && next.version < held.stored.version) {
    throw new Error(`refused policy version ${next.version}: this browser already enforces version ${held.stored.version}`);
  }
  // Also after a kept bundle was discarded: an older genuine bundle replayed is a rollback.
  const floor = await highestAccepted();
  if (next.version < floor) {
    throw new Error(`refused policy version ${next.version}: this browser has accepted version ${floor} already`);
  }
  if (held.stored && next.version === held.stored.version) {
    if (next.policyJson !== held.stored.policyJson) {
      throw new Error(`refused policy version ${next.version}: a different document with the same version is already enforced`);
    }
    // The same policy again: re-signed with a later expiry, or the ETag was lost. Keep the
    // signing with the later expiry (an older signing never shortens it) and the new ETag.
    const expiresAt = later(held.stored.expiresAt ?? null, next.expiresAt ?? null);
    const signed = expiresAt === next.expiresAt && expiresAt !== held.stored.expiresAt ? { jws: next.jws, key: next.key } : {};
    Object.assign(held.stored, signed, { etag: next.etag, expiresAt });
    await keep(held.stored);
    return 'same';
  }
  let engine;
  try {
    engine = compile(next.policyJson);
  } catch (e) {
    throw new Error(`refused policy version ${next.version}: it does not compile: ${errorText(e)}`);
  }
  await keep(next);
  const built = build(next, engine);
  current = Promise.resolve(built);
  for (const l of listeners) l(built);
  return 'accepted';
}

/**
 * The later of two RFC 3339 times (null when neither is one).
 * @param {string|null} a
 * @param {string|null} b
 */
function later(a, b) {
  const [ta, tb] = [Date.parse(a ?? ''), Date.parse(b ?? '')];
  if (!Number.isFinite(ta)) return Number.isFinite(tb) ? b : null;
  return Number.isFinite(tb) && tb > ta ? b : a;
}

/**
 * Whether the policy in force is stale: a server bundle past its expiry (still enforced).
 * @param {Current} policy
 * @param {number} [now] ms since the epoch
 * @returns {{expiresAt: string|null, stale: boolean}}
 */
export function freshness(policy, now = Date.now()) {
  const expiresAt = policy.stored?.expiresAt ?? null;
  const t = Date.parse(expiresAt ?? '');
  return { expiresAt, stale: Number.isFinite(t) && t <= now };
}

/**
 * Calls `listener` whenever a new policy comes into force.
 * @param {(c: Current) => void} listener
 */
export function onPolicyChanged(listener) {
  listeners.add(listener);
}
