/**
 * lifeguard-core in an inspected page: the engine, loaded in the content script's world
 * where the page's CSP allows WebAssembly, with the policy in force kept current; and one way
 * to inspect, here or (where the page forbids WebAssembly, or for large files) in the
 * service worker.
 */
import { send, storage } from '../shared/chrome.js';
import { compile, loadEngine, nowSeconds } from '../shared/engine.js';
import { extractorReady, loadExtractor } from '../shared/extract.js';
import { inspectResolved, needsExtractor, resolveParts } from '../shared/inspect.js';
import { MSG, STORAGE } from '../shared/messages.js';

/** @typedef {import('../shared/messages.js').Inspection} Inspection */
/** @typedef {import('../shared/inspect.js').Part} Part */
/** @typedef {import('../shared/messages.js').Via} Via */

/**
 * The page the policy decides on: a frame with no URL of its own (about:blank, srcdoc, a
 * blob:) has its parent's origin.
 */
function pageUrl() {
  return /^(about|data|blob):/.test(location.href) && location.origin !== 'null' ? `${location.origin}/` : location.href;
}

/**
 * Loads the engine (or finds the page forbids it) and the policy in force.
 */
export async function startEngine() {
  /** @type {{engine: import('../wasm/lifeguard_core.js').WasmEngine|null, who: {department: string|null, user: string|null, userHash: string|null}}} */
  const state = { engine: null, who: { department: null, user: null, userHash: null } };
  try {
    await loadEngine();
    state.engine = compile(null);
  } catch (e) {
    // The page's CSP forbids WebAssembly here: decide through the service worker.
    console.info('Lifeguard: this page does not allow WebAssembly in extensions; pastes are checked by the extension service worker', e);
  }
  if (state.engine) {
    await refresh();
    storage.onChanged((changes, area) => {
      if (area === 'local' && (STORAGE.policy in changes || STORAGE.who in changes)) refresh();
    });
    // Rich pastes need the extractor: load it once the page has settled, not on the way in.
    setTimeout(() => loadExtractor().catch((/** @type {unknown} */ e) => console.error('Lifeguard: the file reader could not load', e)), 0);
  }

  // The policy comes from the service worker, which verified it; storage only says when to
  // ask again (a page's content script could write anything there).
  async function refresh() {
    const reply = await send({ type: MSG.pagePolicy });
    if (!reply.ok) {
      console.error('Lifeguard: the policy in force could not be read; keeping the previous one', reply.error);
      return;
    }
    try {
      const next = compile(/** @type {string|null} */ (reply.policyJson));
      state.engine?.free();
      state.engine = next;
    } catch (e) {
      console.error('Lifeguard: the policy in force does not compile here; keeping the previous one', e);
    }
    const who = /** @type {any} */ (reply.who);
    /** @param {unknown} v */
    const str = (v) => (typeof v === 'string' ? v : null);
    state.who = { department: str(who?.department), user: str(who?.user), userHash: str(who?.userHash) };
  }

  /**
   * Inspects parts here if the engine runs here, else in the service worker.
   * @param {Part[]} parts
   * @param {Via} via
   * @param {boolean} [offPage] read in the service worker even where the page could: large
   *   files, whose extraction would hold up the page's main thread
   * @param {string} [prior] the JSON of the answer so far for the same action (chunks)
   * @returns {Promise<{v: Inspection, formats: (string|null)[]}>}
   */
  async function inspect(parts, via, offPage = false, prior = undefined) {
    if (state.engine && !offPage) {
      if (needsExtractor(parts)) await loadExtractor();
      return inspectResolved(state.engine, resolveParts(parts), via, state.who, pageUrl(), prior);
    }
    /** @type {import('../shared/messages.js').RawPart[]|any[]} */
    const wire = parts.map((p) => (p.kind === 'file' && p.bytes ? { kind: 'file', name: p.name, type: p.type, base64: /** @type {any} */ (p.bytes).toBase64() } : p));
    const reply = await send({ type: MSG.inspect, parts: wire, via, prior });
    if (!reply.ok) throw new Error(reply.error);
    return { v: reply.inspection, formats: reply.formats };
  }

  return {
    inspect,

    /**
     * The verdict on parts, inside the event, if it can be had there: the engine runs here
     * and, for rich flavours, the extractor has loaded. Else null.
     * @param {Part[]} parts
     * @param {Via} via
     * @returns {Inspection|null}
     */
    inspectNow(parts, via) {
      if (!state.engine || (needsExtractor(parts) && !extractorReady())) return null;
      return inspectResolved(state.engine, resolveParts(parts), via, state.who, pageUrl()).v;
    },

    /**
     * Typed text scanned at once, where the engine runs here (the typing guard); null where
     * only the service worker can.
     * @type {((text: string) => Inspection)|null}
     */
    scanNow: state.engine
      ? (/** @type {string} */ text) => inspectResolved(/** @type {import('../wasm/lifeguard_core.js').WasmEngine} */ (state.engine), resolveParts([{ kind: 'plain', text }]), 'typing', state.who, location.href).v
      : null,

    /**
     * The decision on this page itself (for the authorized tool's notice), or null.
     * @returns {Promise<import('../shared/messages.js').Decision|null>}
     */
    async decidePage() {
      if (state.engine) {
        try {
          return JSON.parse(state.engine.decide(location.href, state.who.department, state.who.user, state.who.userHash, nowSeconds()));
        } catch {
          return null;
        }
      }
      const reply = await send({ type: MSG.decidePage });
      return reply.ok ? reply.decision : null;
    },
  };
}

/** @typedef {Awaited<ReturnType<typeof startEngine>>} PageEngine */
