/**
 * The policy this browser enforces: the last good signed bundle from the server, kept in
 * chrome.storage.local across restarts, or, before the first sync, the default city policy
 * built into lifeguard-core.
 *
 * The service worker may be stopped at any time, so the compiled engine is a cache that is
 * rebuilt from storage on demand; storage is the truth.
 */
import { storage } from '../shared/chrome.js';
import { STORAGE } from '../shared/messages.js';
import { compile, defaultPolicyJson, loadEngine } from '../shared/engine.js';
import { errorText } from '../shared/errors.js';

/**
 * @typedef {object} StoredPolicy
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

/** The policy in force, compiled. */
export function currentPolicy() {
  current ??= (async () => {
    await loadEngine();
    const { [STORAGE.policy]: stored } = await storage.get('local', STORAGE.policy);
    return build(stored ?? null);
  })();
  return current;
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
  if (held.stored && next.version === held.stored.version) {
    if (next.policyJson !== held.stored.policyJson) {
      throw new Error(`refused policy version ${next.version}: a different document with the same version is already enforced`);
    }
    // The same policy again: re-signed with a later expiry, or the ETag was lost. Keep it,
    // remember the new ETag and the later expiry (an older signing never shortens it).
    const expiresAt = later(held.stored.expiresAt ?? null, next.expiresAt ?? null);
    await storage.set('local', { [STORAGE.policy]: { ...held.stored, etag: next.etag, expiresAt } });
    held.stored.etag = next.etag;
    held.stored.expiresAt = expiresAt;
    return 'same';
  }
  let engine;
  try {
    engine = compile(next.policyJson);
  } catch (e) {
    throw new Error(`refused policy version ${next.version}: it does not compile: ${errorText(e)}`);
  }
  await storage.set('local', { [STORAGE.policy]: next });
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
