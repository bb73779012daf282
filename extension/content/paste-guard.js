/**
 * The paste guard: carries out what lifeguard-core decides about everything pasted, dropped
 * or chosen for upload on a site where the policy inspects pastes.
 *
 * - allow: the paste goes through untouched (reported only if it had findings);
 * - block: nothing is inserted, and a notice names the kinds of data found;
 * - redact: the text is inserted with typed placeholders (`[SSN]`), as plain text;
 * - warn: "Paste with the data removed", "Paste anyway" or "Cancel".
 *
 * Every flavour the page would receive is inspected: `text/plain` and the text of
 * `text/html` (rich editors insert the HTML; an HTML-only paste is inspected too), and
 * files, whose text lifeguard-extract reads (PDF, office documents, RTF, EML, HTML, text).
 * The engine (`inspect`) merges the flavours and files into one verdict, makes the redacted
 * text from the same findings and names the event to report: nothing is ranked here.
 *
 * Where it can, the guard runs the engine here and decides a paste synchronously, inside
 * the event, so the page never sees a paste the policy stops and an allowed paste is the
 * browser's own. Where the page's CSP forbids WebAssembly (even in the content script's
 * isolated world), every paste is held back and decided by the service worker's engine,
 * then replayed or inserted; files, and HTML before the extractor has loaded, are always
 * held back, since they must be read first.
 *
 * loader.js captures the (trusted) events; this module never reads the clipboard itself.
 * Nothing pasted leaves the browser: reports carry detector ids and counts.
 */
import { send, storage } from '../shared/chrome.js';
import { compile, loadEngine, nowSeconds } from '../shared/engine.js';
import { extractorReady, loadExtractor } from '../shared/extract.js';
import { MAX_FILE_BYTES, inspectResolved, needsExtractor, resolveParts } from '../shared/inspect.js';
import { MSG, STORAGE } from '../shared/messages.js';
import { insertText } from './insert.js';
import { askWarning, showNotice, showToolNotice } from './notice.js';
import { startTyping } from './typing-guard.js';

/**
 * @typedef {object} Captured what loader.js read from an event
 * @property {'paste'|'drop'|'file'} via
 * @property {string} text
 * @property {string} [html]
 * @property {string} [rtf]
 * @property {File[]} files
 * @property {HTMLElement|null} target
 * @property {any} selection
 * @property {EventTarget} [origin] the drop's innermost target
 * @property {{x: number, y: number, screenX: number, screenY: number}} [point]
 * @property {string} [eventType] for file inputs: input or change
 * @property {boolean} [second] a beforeinput after a paste or drop event
 * @property {boolean} [deferred] the event was already stopped
 */

/** @typedef {import('../shared/messages.js').Inspection} Inspection */
/** @typedef {import('../shared/inspect.js').Part} Part */

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
 * The page the policy decides on: a frame with no URL of its own (about:blank, srcdoc, a
 * blob:) has its parent's origin.
 */
function pageUrl() {
  return /^(about|data|blob):/.test(location.href) && location.origin !== 'null' ? `${location.origin}/` : location.href;
}

/**
 * Loads the engine (or finds the page forbids it) and the policy in force; returns the
 * guard loader.js hands events to.
 * @param {{replayed: WeakSet<Event>, holding: WeakSet<HTMLInputElement>}} env `holding`: file
 *   inputs loader.js emptied while their files are checked
 */
export async function startGuard({ replayed, holding }) {
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
  showToolNoticeIfAuthorized();

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

  async function showToolNoticeIfAuthorized() {
    if (window !== window.top) return;
    /** @type {import('../shared/messages.js').Decision|null} */
    let d = null;
    if (state.engine) {
      try {
        d = JSON.parse(state.engine.decide(location.href, state.who.department, state.who.user, state.who.userHash, nowSeconds()));
      } catch {
        d = null;
      }
    } else {
      const reply = await send({ type: MSG.decidePage });
      d = reply.ok ? reply.decision : null;
    }
    if (d?.source === 'authorized_tool' && (d.notice || d.workspace_only)) showToolNotice(d.notice ?? '', d.policy_ref, Boolean(d.workspace_only));
  }

  /**
   * Inspects parts here if the engine runs here, else in the service worker.
   * @param {Part[]} parts
   * @param {import('../shared/messages.js').Via} via
   * @param {boolean} [offPage] read in the service worker even where the page could: large
   *   files, whose extraction would hold up the page's main thread
   * @param {string} [prior] the JSON of the answer so far for the same action (chunks)
   * @returns {Promise<{v: Inspection, formats: (string|null)[]}>}
   */
  async function inspectAnywhere(parts, via, offPage = false, prior = undefined) {
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

  /**
   * @param {string|null} kind the event the engine named (a PasteReport kind)
   * @param {{action: import('../shared/messages.js').ContentAction, rule: string|null}} v
   * @param {Record<string, number>} detectors
   * @param {Captured['via']|'typing'} via
   */
  function report(kind, v, detectors, via) {
    if (kind) send({ type: MSG.report, event: { kind: /** @type {import('../shared/messages.js').PasteReport['kind']} */ (kind), action: v.action, rule: v.rule, detectors, via } });
  }

  /** @param {Event|null} e */
  function stop(e) {
    e?.preventDefault();
    e?.stopImmediatePropagation();
  }

  /**
   * The flavours of a paste or drop as parts.
   * @param {Captured} c
   * @returns {Part[]}
   */
  function flavours(c) {
    /** @type {Part[]} */
    const parts = [];
    if (c.text) parts.push({ kind: 'plain', text: c.text });
    if (c.html) parts.push({ kind: 'html', html: c.html });
    if (c.rtf) parts.push({ kind: 'rtf', rtf: c.rtf });
    return parts;
  }

  /**
   * Text only (plain and HTML flavours): decided inside the event when the engine (and, for
   * HTML, the extractor) runs here; else held back and decided asynchronously.
   * @param {Captured} c
   * @param {Event|null} e
   */
  function decideText(c, e) {
    const parts = flavours(c);
    if (state.engine && (!needsExtractor(parts) || extractorReady())) {
      applyText(c, e, inspectResolved(state.engine, resolveParts(parts), c.via, state.who, pageUrl()).v);
      return;
    }
    stop(e);
    c.deferred = true;
    inspectAnywhere(parts, c.via).then(
      ({ v }) => applyText(c, null, v),
      (err) => failed(c, err),
    );
  }

  /**
   * @param {Captured} c
   * @param {Event|null} e
   * @param {Inspection} v
   */
  function applyText(c, e, v) {
    if (v.action === 'allow') {
      // A beforeinput after a paste event this guard let through: already reported.
      if (!c.second) report(v.report.now, v, v.counts, c.via);
      if (c.deferred) replayWith(c, [], c.text, true, []);
      return;
    }
    stop(e);
    carryOut(v, c, {
      original: () => replayWith(c, [], c.text, true, []),
      redacted: () => replayWith(c, [], v.insert ?? '', false, []),
    });
  }

  /**
   * Applies a verdict that is not "allow".
   * @param {Pick<Inspection, 'action'|'rule'|'policy_ref'|'message'|'counts'|'unreadable'|'report'>} v
   * @param {Captured} c
   * @param {{original: () => void, redacted: () => void}} put how to let the original or the redacted data in
   */
  function carryOut(v, c, put) {
    const what = c.via === 'paste' ? 'Paste' : c.via === 'drop' ? 'Drop' : 'File';
    const unreadableOnly = v.unreadable.length > 0 && Object.keys(v.counts).length === 0;
    if (v.action === 'block') {
      const title = unreadableOnly ? `${what} blocked: the file could not be checked` : `${what} blocked: sensitive data found`;
      showNotice({ title, message: v.message, policyRef: v.policy_ref, counts: v.counts, tone: 'block' });
      report(v.report.now, v, v.counts, c.via);
    } else if (v.action === 'redact') {
      put.redacted();
      showNotice({ title: 'Sensitive data was replaced with placeholders', message: v.message, policyRef: v.policy_ref, counts: v.counts, tone: 'ok' });
      report(v.report.now, v, v.counts, c.via);
    } else {
      const verb = c.files.length ? 'Upload' : 'Paste';
      askWarning({ title: unreadableOnly ? 'This file could not be checked' : undefined, verb, message: v.message, policyRef: v.policy_ref, counts: v.counts }).then((choice) => {
        if (choice === 'anyway') put.original();
        else if (choice === 'redacted') put.redacted();
        else c.target?.focus();
        report(v.report[choice === 'anyway' ? 'anyway' : choice === 'redacted' ? 'redacted' : 'cancel'], v, v.counts, c.via);
      });
    }
  }

  /**
   * @param {Captured} c
   * @param {unknown} err
   */
  function failed(c, err) {
    // A decision that failed must not let the data through.
    console.error('Lifeguard: could not check the paste', err);
    if (c.via === 'file') /** @type {HTMLInputElement} */ (c.target).value = '';
    showNotice({ title: `The ${c.via === 'file' ? 'file' : 'paste'} could not be checked, so it was not added`, message: null, policyRef: null, counts: {}, tone: 'block' });
  }

  /**
   * Files (with or without text): held back, read, decided, then replayed or dropped. A file
   * input was emptied by loader.js, which holds its other events until `holding` lets go.
   * @param {Captured} c
   * @param {Event|null} e
   */
  function decideFiles(c, e) {
    stop(e);
    const input = c.via === 'file' ? /** @type {HTMLInputElement} */ (c.target) : null;
    readAndInspect(c)
      .then(({ v, formats }) => {
        if (input) holding.delete(input);
        const types = input ? ['input', 'change'] : [];
        if (v.action === 'allow') {
          report(v.report.now, v, v.counts, c.via);
          replayWith(c, c.files, c.text, true, types);
          return;
        }
        // Text files are redacted in place; a document or a file nobody could read cannot be,
        // so the redacted choice leaves it out.
        const redactedFiles = () =>
          c.files.flatMap((f, i) => {
            const r = v.redacted[i];
            return formats[i] === 'text' && r !== null ? [new File([r], f.name, { type: f.type, lastModified: f.lastModified })] : [];
          });
        carryOut(v, c, {
          original: () => replayWith(c, c.files, c.text, true, types),
          redacted: () => replayWith(c, redactedFiles(), c.text || c.html || c.rtf ? (v.insert ?? '') : '', false, types),
        });
      })
      .catch((err) => {
        if (input) holding.delete(input);
        failed(c, err);
      });
  }

  /**
   * Reads the files and the text flavours and inspects them together: file i is part i. A
   * text file too large to read at once (over MAX_FILE_BYTES) is inspected in chunks, each
   * merged by the engine with the verdict so far (`prior`), and its redacted text kept as
   * a Blob of the chunks'; any other file that large is unreadable.
   * @param {Captured} c
   * @returns {Promise<{v: Omit<Inspection, 'redacted'> & {redacted: (string|Blob|null)[]}, formats: (string|null)[]}>}
   */
  async function readAndInspect(c) {
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
    const first = await inspectAnywhere([...parts, ...flavours(c)], c.via, offPage);
    /** @type {Omit<Inspection, 'redacted'> & {redacted: (string|Blob|null)[]}} */
    let v = first.v;
    const formats = [...first.formats];
    for (const i of chunked) {
      /** @type {BlobPart[]} */
      const redacted = [];
      for await (const chunk of textChunks(c.files[i])) {
        const prior = { action: v.action, rule: v.rule, policy_ref: v.policy_ref, message: v.message, counts: v.counts, found: v.found };
        const next = await inspectAnywhere([{ kind: 'filetext', text: chunk }], c.via, true, JSON.stringify(prior));
        redacted.push(new Blob([next.v.redacted[0] ?? chunk]));
        v = { ...v, action: next.v.action, rule: next.v.rule, policy_ref: next.v.policy_ref, message: next.v.message, counts: next.v.counts, found: next.v.found, report: next.v.report };
      }
      v.redacted = v.redacted.map((r, j) => (j === i ? new Blob(redacted) : r));
      formats[i] = 'text';
    }
    return { v, formats };
  }

  /**
   * Lets held-back data through:  /**
   * Lets held-back data through: a synthetic event the page's own handlers understand,
   * marked so the guard does not stop it again; text nobody handled is inserted.
   * @param {Captured} c
   * @param {File[]} files
   * @param {string} text
   * @param {boolean} original whether this is the original data: then the rich flavours
   *   (HTML, RTF) go with it; redacted data is plain text only
   * @param {string[]} types for file inputs: the events to replay
   */
  function replayWith(c, files, text, original, types) {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(f);
    if (text) dt.setData('text/plain', text);
    if (original && c.html) dt.setData('text/html', c.html);
    if (original && c.rtf) dt.setData('text/rtf', c.rtf);
    if (c.via === 'file') {
      const input = /** @type {HTMLInputElement} */ (c.target);
      input.files = dt.files;
      for (const type of types) {
        const ev = new Event(type, { bubbles: true, composed: type === 'input' });
        replayed.add(ev);
        input.dispatchEvent(ev);
      }
      return;
    }
    const ev =
      c.via === 'drop'
        ? new DragEvent('drop', { bubbles: true, cancelable: true, composed: true, dataTransfer: dt, clientX: c.point?.x, clientY: c.point?.y, screenX: c.point?.screenX, screenY: c.point?.screenY })
        : new ClipboardEvent('paste', { bubbles: true, cancelable: true, composed: true, clipboardData: dt });
    replayed.add(ev);
    const notHandled = (c.origin ?? c.target ?? document).dispatchEvent(ev);
    // A synthetic event has no default action: if no page handler took it, insert the text.
    if (notHandled && text) insertText(c.target, c.selection, text);
  }

  // Typed text: typing-guard.js watches the composers and holds sends, with the same engine.
  startTyping({
    scanNow: state.engine ? (text) => inspectResolved(/** @type {import('../wasm/lifeguard_core.js').WasmEngine} */ (state.engine), resolveParts([{ kind: 'plain', text }]), 'typing', state.who, location.href).v : null,
    scan: async (text) => (await inspectAnywhere([{ kind: 'plain', text }], 'typing')).v,
    report: (kind, v) => report(kind, v, v.counts, 'typing'),
  });

  return {
    /**
     * @param {Captured} c
     * @param {Event|null} e the live event, or null for one held back while loading
     */
    handle(c, e) {
      try {
        if (c.files.length) decideFiles(c, e);
        else decideText(c, e);
      } catch (err) {
        stop(e);
        failed(c, err);
      }
    },
  };
}
