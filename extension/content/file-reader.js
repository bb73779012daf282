/**
 * Files pasted, dropped or chosen for upload, read and inspected with the text that came
 * with them: documents through lifeguard-extract, and a text file of any size in chunks, each
 * merged by the engine with the verdict so far.
 */
import { MAX_FILE_BYTES } from '../shared/inspect.js';
import { flavours } from './captured.js';

/** @typedef {import('./captured.js').Captured} Captured */
/** @typedef {import('../shared/inspect.js').Part} Part */
/** @typedef {import('../shared/messages.js').Inspection} Inspection */
/** @typedef {Omit<Inspection, 'redacted'> & {redacted: (string|Blob|null)[]}} FileInspection */

/** Files up to this size in all are read in the page when it allows the engine. */
const IN_PAGE_FILE_BYTES = 2 * 1024 * 1024;
/** A text file too large to read at once is read in chunks of about this many bytes. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Whether a file is text: its first 64 KiB are UTF-8 without NUL bytes.
 * @param {File} f
 */
async function looksLikeText(f) {
  const head = new Uint8Array(await f.slice(0, 64 * 1024).arrayBuffer());
  if (head.includes(0)) return false;
  try {
    // `stream`: a character cut at the end of the slice is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * A text file's text in chunks of about CHUNK_BYTES that end at a line's end (so a number
 * is never cut in two), however large the file; a line longer than a chunk is cut.
 * @param {File} f
 * @returns {AsyncGenerator<string>}
 */
async function* textChunks(f) {
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  for (let at = 0; at < f.size; at += CHUNK_BYTES) {
    const last = at + CHUNK_BYTES >= f.size;
    const text = carry + decoder.decode(await f.slice(at, at + CHUNK_BYTES).arrayBuffer(), { stream: !last });
    const cut = last ? text.length : text.lastIndexOf('\n') + 1 || text.length;
    carry = text.slice(cut);
    if (cut) yield text.slice(0, cut);
  }
  if (carry) yield carry;
}

/**
 * Reads the files and the text flavours and inspects them together: file i is part i. A
 * text file too large to read at once (over MAX_FILE_BYTES) is inspected in chunks, each
 * merged by the engine with the verdict so far (`prior`), and its redacted text kept as
 * a Blob of the chunks'; any other file that large is unreadable.
 * @param {Captured} c
 * @param {import('./page-engine.js').PageEngine['inspect']} inspect
 * @returns {Promise<{v: FileInspection, formats: (string|null)[]}>}
 */
export async function readAndInspect(c, inspect) {
  // Large files are read in the service worker, off the page's main thread (a 10 MB PDF
  // takes seconds); where the page allows the engine, smaller ones are read here.
  const offPage = c.files.reduce((n, f) => n + f.size, 0) > IN_PAGE_FILE_BYTES;
  /** @type {number[]} */
  const chunked = [];
  /** @type {Part[]} */
  const parts = await Promise.all(
    c.files.map(async (f, i) => {
      if (f.size <= MAX_FILE_BYTES) return { kind: /** @type {const} */ ('file'), name: f.name, type: f.type, bytes: new Uint8Array(await f.arrayBuffer()) };
      if (!(await looksLikeText(f))) return { kind: /** @type {const} */ ('unreadable'), reason: 'too_large' };
      chunked.push(i);
      // Its place in the parts; its text comes chunk by chunk below.
      return { kind: /** @type {const} */ ('filetext'), text: '' };
    }),
  );
  const first = await inspect([...parts, ...flavours(c)], c.via, offPage);
  /** @type {FileInspection} */
  let v = first.v;
  const formats = [...first.formats];
  for (const i of chunked) {
    /** @type {BlobPart[]} */
    const redacted = [];
    for await (const chunk of textChunks(c.files[i])) {
      const prior = { action: v.action, rule: v.rule, policy_ref: v.policy_ref, message: v.message, counts: v.counts, found: v.found };
      const next = await inspect([{ kind: 'filetext', text: chunk }], c.via, true, JSON.stringify(prior));
      redacted.push(new Blob([next.v.redacted[0] ?? chunk]));
      v = { ...v, action: next.v.action, rule: next.v.rule, policy_ref: next.v.policy_ref, message: next.v.message, counts: next.v.counts, found: next.v.found, report: next.v.report };
    }
    v.redacted = v.redacted.map((r, j) => (j === i ? new Blob(redacted) : r));
    formats[i] = 'text';
  }
  return { v, formats };
}
