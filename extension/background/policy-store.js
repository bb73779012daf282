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
    // The same bundle again (say the ETag was lost): keep it, remember the new ETag.
    await storage.set('local', { [STORAGE.policy]: { ...held.stored, etag: next.etag } });
    held.stored.etag = next.etag;
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
 * Calls `listener` whenever a new policy comes into force.
 * @param {(c: Current) => void} listener
 */
export function onPolicyChanged(listener) {
  listeners.add(listener);
}
