/**
 * Loads lifeguard-extract (a second WebAssembly module, loaded only when needed) and reads
 * the text of what staff paste, drop or upload with it: the `text/html` flavour of a rich
 * paste, and files (PDF, DOCX, XLSX, PPTX, ODF, RTF, EML, HTML, text).
 *
 * Extraction only: lifeguard-core decides what the text means. `wasm/` is filled by
 * scripts/build-extension.sh from target/wasm.
 */
import init, { extractText } from '../wasm/lifeguard_extract.js';

/** @type {Promise<unknown>|null} */
let loading = null;
let ready = false;

/** Instantiates the extractor once per context; later calls share the first load. */
export function loadExtractor() {
  const load =
    loading ??
    init({ module_or_path: globalThis.chrome.runtime.getURL('wasm/lifeguard_extract_bg.wasm') }).then(() => {
      ready = true;
    });
  loading = load;
  return load;
}

/** Whether the extractor is loaded here, so text can be read synchronously. */
export function extractorReady() {
  return ready;
}

/**
 * @typedef {{ok: true, format: string, text: string} | {ok: false, reason: string, message: string}} Extracted
 */

/**
 * Reads a file's text (the extractor must be loaded).
 * @param {Uint8Array} bytes
 * @param {string} name
 * @param {string} type
 * @returns {Extracted}
 */
export function extractSync(bytes, name, type) {
  return JSON.parse(extractText(bytes, name, type));
}

/**
 * The text of the `text/html` flavour of a paste, as a rich editor would insert it.
 * @param {string} html
 * @returns {string}
 */
export function htmlText(html) {
  const got = extractSync(new TextEncoder().encode(html), 'clipboard.html', 'text/html');
  // HTML always yields text; a bound hit (a huge paste) must not wave it through.
  if (!got.ok) throw new Error(`the pasted HTML could not be read: ${got.message}`);
  return got.text;
}
