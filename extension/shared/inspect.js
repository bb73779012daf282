/**
 * Turns what a user action brings in (the flavours of a paste: text, HTML, RTF; its files)
 * into the parts
 * lifeguard-core inspects, and asks the engine. The same code runs in a content script that
 * may run WebAssembly and in the service worker for pages whose CSP forbids it.
 *
 * Files are read by lifeguard-extract (PDF, office documents, RTF, EML, HTML, text); a file
 * it cannot read becomes an `unreadable` part, which the policy's `unreadable_files` rule
 * decides. Nothing here ranks verdicts: the engine merges them.
 */
import { extractSync, htmlText, loadExtractor } from './extract.js';
import { nowSeconds } from './engine.js';

/**
 * The largest file read (bytes): a larger one is unreadable (`too_large`) and follows the
 * policy's `unreadable_files` rule. Files larger than a few MiB are read in the service
 * worker, and messages to it are JSON (the bytes go as base64).
 */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

/**
 * A part as a content script holds it: `bytes` in the page; `base64` in a message.
 * @typedef {{kind: 'plain', text: string}
 *   | {kind: 'html', html: string}
 *   | {kind: 'rtf', rtf: string}
 *   | {kind: 'filetext', text: string}
 *   | {kind: 'file', name: string, type: string, bytes?: Uint8Array, base64?: string}
 *   | {kind: 'unreadable', reason: string}} Part
 */

/**
 * @typedef {object} Resolved what the engine inspects, part by part
 * @property {string[]} texts
 * @property {('plain'|'html'|'rtf'|'file'|'unreadable')[]} kinds
 * @property {(string|null)[]} formats for files: what lifeguard-extract read them as (`text`, `pdf`, ...), else null
 * @property {(string|null)[]} reasons for unreadable files: why
 */

/** Whether resolving these parts needs lifeguard-extract. */
export function needsExtractor(/** @type {Part[]} */ parts) {
  return parts.some((p) => p.kind === 'html' || p.kind === 'rtf' || p.kind === 'file');
}

/**
 * Reads every part; lifeguard-extract must be loaded if `needsExtractor`.
 * @param {Part[]} parts
 * @returns {Resolved}
 */
export function resolveParts(parts) {
  /** @type {Resolved} */
  const r = { texts: [], kinds: [], formats: [], reasons: [] };
  for (const p of parts) {
    if (p.kind === 'plain') {
      r.texts.push(p.text);
      r.kinds.push('plain');
      r.formats.push(null);
      r.reasons.push(null);
    } else if (p.kind === 'html') {
      r.texts.push(htmlText(p.html));
      r.kinds.push('html');
      r.formats.push(null);
      r.reasons.push(null);
    } else if (p.kind === 'filetext') {
      // A chunk of a text file read in chunks.
      r.texts.push(p.text);
      r.kinds.push('file');
      r.formats.push('text');
      r.reasons.push(null);
    } else if (p.kind === 'rtf') {
      const got = extractSync(new TextEncoder().encode(p.rtf), 'clipboard.rtf', 'text/rtf');
      // A flavour that cannot be read must not wave the paste through.
      if (!got.ok) throw new Error(`the pasted RTF could not be read: ${got.message}`);
      r.texts.push(got.text);
      r.kinds.push('rtf');
      r.formats.push(null);
      r.reasons.push(null);
    } else if (p.kind === 'file') {
      const bytes = p.bytes ?? /** @type {any} */ (Uint8Array).fromBase64(p.base64 ?? '');
      const got = extractSync(bytes, p.name, p.type);
      r.texts.push(got.ok ? got.text : '');
      r.kinds.push(got.ok ? 'file' : 'unreadable');
      r.formats.push(got.ok ? got.format : null);
      r.reasons.push(got.ok ? null : got.reason);
    } else {
      r.texts.push('');
      r.kinds.push('unreadable');
      r.formats.push(null);
      r.reasons.push(p.reason);
    }
  }
  return r;
}

/**
 * Loads the extractor if needed, reads the parts and asks the engine.
 * @param {import('../wasm/lifeguard_core.js').WasmEngine} engine
 * @param {Part[]} parts
 * @param {import('./messages.js').Via} via
 * @param {{department: string|null, user: string|null}} who
 * @param {string|null} url the page's (pilots accept public data only)
 * @param {string} [prior] the JSON of the answer so far for the same action (chunks)
 */
export async function inspectParts(engine, parts, via, who, url, prior) {
  if (needsExtractor(parts)) await loadExtractor();
  return inspectResolved(engine, resolveParts(parts), via, who, url, prior);
}

/**
 * @param {import('../wasm/lifeguard_core.js').WasmEngine} engine
 * @param {Resolved} r
 * @param {import('./messages.js').Via} via
 * @param {{department: string|null, user: string|null}} who
 * @param {string|null} url
 * @param {string} [prior]
 * @returns {{v: import('./messages.js').Inspection, formats: (string|null)[]}}
 */
export function inspectResolved(engine, r, via, who, url, prior) {
  const v = JSON.parse(engine.inspect(r.texts, r.kinds, via, who.department, who.user, url, nowSeconds(), prior));
  return { v, formats: r.formats };
}
