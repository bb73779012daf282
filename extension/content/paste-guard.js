/**
 * The paste guard: decides, with lifeguard-core, what happens to text and files pasted,
 * dropped or chosen for upload on a site where the policy inspects pastes, and carries the
 * decision out.
 *
 * - allow: the paste goes through untouched (reported only if it had findings);
 * - block: nothing is inserted, and a notice names the kinds of data found;
 * - redact: the text is inserted with typed placeholders (`[SSN]`);
 * - warn: "Paste with the data removed", "Paste anyway" or "Cancel".
 *
 * Where it can, the guard runs the engine here and decides text synchronously, inside the
 * event, so the page never sees a paste the policy stops and an allowed paste is the
 * browser's own. Where the page's CSP forbids WebAssembly (even in the content script's
 * isolated world), every paste is held back and decided by the service worker's engine,
 * then replayed or inserted; files are always held back, since they must be read first.
 *
 * loader.js captures the events; this module never reads the clipboard itself. Nothing
 * pasted leaves the browser: reports carry detector ids and counts.
 */
import { send, storage } from '../shared/chrome.js';
import { countByDetector } from '../shared/detectors.js';
import { compile, loadEngine, nowSeconds } from '../shared/engine.js';
import { MSG, STORAGE } from '../shared/messages.js';
import { insertText } from './insert.js';
import { askWarning, showNotice, showToolNotice } from './notice.js';

/** Files larger than this are not read: nobody pastes them as text. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;
const TEXT_TYPES = /^(text\/|application\/(json|xml|csv|x-csv|yaml|x-yaml|javascript|x-sh|sql|rtf|x-ndjson))/i;
const TEXT_NAMES = /\.(txt|text|csv|tsv|json|ndjson|xml|ya?ml|md|markdown|log|ini|conf|cfg|env|sql|sh|ps1|py|js|ts|java|cs|rb|go|rs|html?|eml|vcf|rtf)$/i;
const RANK = { allow: 0, redact: 1, warn: 2, block: 3 };

/**
 * @typedef {object} Captured what loader.js read from an event
 * @property {'paste'|'drop'|'file'} via
 * @property {string} text
 * @property {string} [html]
 * @property {File[]} files
 * @property {HTMLElement|null} target
 * @property {any} selection
 * @property {EventTarget} [origin] the drop's innermost target
 * @property {{x: number, y: number, screenX: number, screenY: number}} [point]
 * @property {string} [eventType] for file inputs: input or change
 * @property {boolean} [second] a beforeinput after a paste or drop event
 * @property {boolean} [deferred] the event was already stopped
 */

/**
 * @typedef {object} Verdict lifeguard-core's `scan` answer
 * @property {'allow'|'redact'|'warn'|'block'} action
 * @property {string|null} rule
 * @property {string|null} policy_ref
 * @property {string|null} message
 * @property {{detector: string}[]} findings
 */

/** @typedef {{v: Verdict, redacted: () => string}} Scanned */

/**
 * Loads the engine (or finds the page forbids it) and the policy in force; returns the
 * guard loader.js hands events to.
 * @param {{replayed: WeakSet<Event>}} env
 */
export async function startGuard({ replayed }) {
  /** @type {{engine: import('../wasm/lifeguard_core.js').WasmEngine|null, who: {department: string|null, user: string|null}}} */
  const state = { engine: null, who: { department: null, user: null } };
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
  }
  showToolNoticeIfAuthorized();

  async function refresh() {
    const got = await storage.get('local', [STORAGE.policy, STORAGE.who]);
    try {
      const next = compile(got[STORAGE.policy]?.policyJson);
      state.engine?.free();
      state.engine = next;
    } catch (e) {
      console.error('Lifeguard: the stored policy does not compile; keeping the previous one', e);
    }
    state.who = got[STORAGE.who] ?? { department: null, user: null };
  }

  async function showToolNoticeIfAuthorized() {
    if (window !== window.top) return;
    /** @type {import('../shared/messages.js').Decision|null} */
    let d = null;
    if (state.engine) {
      try {
        d = JSON.parse(state.engine.decide(location.href, state.who.department, state.who.user, nowSeconds()));
      } catch {
        d = null;
      }
    } else {
      const reply = await send({ type: MSG.decidePage });
      d = reply.ok ? reply.decision : null;
    }
    if (d?.source === 'authorized_tool' && d.notice) showToolNotice(d.notice, d.policy_ref);
  }

  /**
   * Scans here, synchronously.
   * @param {string} text
   * @returns {Scanned}
   */
  function scanHere(text) {
    const engine = /** @type {import('../wasm/lifeguard_core.js').WasmEngine} */ (state.engine);
    return { v: JSON.parse(engine.scan(text, state.who.department, state.who.user, location.href, nowSeconds())), redacted: () => engine.redact(text) };
  }

  /**
   * Scans here if the engine runs here, else in the service worker.
   * @param {string} text
   * @returns {Promise<Scanned>}
   */
  async function scanAnywhere(text) {
    if (state.engine) return scanHere(text);
    const reply = await send({ type: MSG.scanPaste, text });
    if (!reply.ok) throw new Error(reply.error);
    return { v: reply.verdict, redacted: () => reply.redacted ?? text };
  }

  /**
   * @param {import('../shared/messages.js').PasteReport['kind']} kind
   * @param {Verdict} v
   * @param {Record<string, number>} detectors
   * @param {Captured['via']} via
   */
  function report(kind, v, detectors, via) {
    send({ type: MSG.report, event: { kind, action: v.action, rule: v.rule, detectors, via } });
  }

  /** @param {Event|null} e */
  function stop(e) {
    e?.preventDefault();
    e?.stopImmediatePropagation();
  }

  /**
   * Text only.
   * @param {Captured} c
   * @param {Event|null} e
   */
  function decideText(c, e) {
    if (state.engine) {
      applyText(c, e, scanHere(c.text));
      return;
    }
    stop(e);
    c.deferred = true;
    scanAnywhere(c.text).then(
      (s) => applyText(c, null, s),
      (err) => failed(c, err),
    );
  }

  /**
   * @param {Captured} c
   * @param {Event|null} e
   * @param {Scanned} s
   */
  function applyText(c, e, { v, redacted }) {
    const counts = countByDetector(v.findings);
    if (v.action === 'allow') {
      // A beforeinput after a paste event this guard let through: already reported.
      if (v.findings.length && !c.second) report('paste_allowed', v, counts, c.via);
      if (c.deferred) replayWith(c, [], c.text, c.html ?? '', []);
      return;
    }
    stop(e);
    carryOut(v, counts, c, {
      original: () => insertText(c.target, c.selection, c.text),
      redacted: () => insertText(c.target, c.selection, redacted()),
    });
  }

  /**
   * Applies a verdict that is not "allow".
   * @param {Verdict} v
   * @param {Record<string, number>} counts
   * @param {Captured} c
   * @param {{original: () => void, redacted: () => void}} put how to let the original or the redacted data in
   */
  function carryOut(v, counts, c, put) {
    const what = c.via === 'paste' ? 'Paste' : c.via === 'drop' ? 'Drop' : 'File';
    if (v.action === 'block') {
      showNotice({ title: `${what} blocked: sensitive data found`, message: v.message, policyRef: v.policy_ref, counts, tone: 'block' });
      report('paste_blocked', v, counts, c.via);
    } else if (v.action === 'redact') {
      put.redacted();
      showNotice({ title: 'Sensitive data was replaced with placeholders', message: v.message, policyRef: v.policy_ref, counts, tone: 'ok' });
      report('paste_redacted', v, counts, c.via);
    } else {
      askWarning({ message: v.message, policyRef: v.policy_ref, counts }).then((choice) => {
        if (choice === 'anyway') {
          put.original();
          report('paste_proceeded', v, counts, c.via);
        } else if (choice === 'redacted') {
          put.redacted();
          report('paste_redacted', v, counts, c.via);
        } else {
          c.target?.focus();
          report('paste_cancelled', v, counts, c.via);
        }
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

  /** File inputs being checked → the event types held back, replayed in order. */
  /** @type {WeakMap<HTMLInputElement, string[]>} */
  const fileChecks = new WeakMap();

  /**
   * Files (with or without text): held back, read, decided, then replayed or dropped.
   * @param {Captured} c
   * @param {Event|null} e
   */
  function decideFiles(c, e) {
    stop(e);
    /** @type {string[]} */
    let types = [];
    if (c.via === 'file') {
      const input = /** @type {HTMLInputElement} */ (c.target);
      const running = fileChecks.get(input);
      if (running) {
        // The `change` that follows `input` for the same choice (same task): replay it too.
        running.push(c.eventType ?? 'change');
        return;
      }
      types = [c.eventType ?? 'change'];
      fileChecks.set(input, types);
    }
    readAndScan(c)
      .then(({ v, counts, texts, redactedTexts }) => {
        if (c.via === 'file') fileChecks.delete(/** @type {HTMLInputElement} */ (c.target));
        const redactedFiles = () => c.files.map((f, i) => (texts[i] === null ? f : new File([redactedTexts[i]()], f.name, { type: f.type, lastModified: f.lastModified })));
        if (v.action === 'allow') {
          if (v.findings.length) report('paste_allowed', v, counts, c.via);
          replayWith(c, c.files, c.text, c.html ?? '', types);
          return;
        }
        // Until the user decides, the input holds no file the page could submit.
        if (c.via === 'file') /** @type {HTMLInputElement} */ (c.target).value = '';
        carryOut(v, counts, c, {
          original: () => replayWith(c, c.files, c.text, c.html ?? '', types),
          redacted: () => replayWith(c, redactedFiles(), c.text ? redactedTexts[texts.length]() : '', '', types),
        });
      })
      .catch((err) => {
        if (c.via === 'file') fileChecks.delete(/** @type {HTMLInputElement} */ (c.target));
        failed(c, err);
      });
  }

  /**
   * Reads text-like files and scans them with the text; the verdict is the strictest.
   * `redactedTexts[i]` redacts file i; the last one redacts the text.
   * @param {Captured} c
   */
  async function readAndScan(c) {
    /** @type {(string|null)[]} */
    const texts = await Promise.all(c.files.map((f) => (f.size <= MAX_FILE_BYTES && (TEXT_TYPES.test(f.type) || TEXT_NAMES.test(f.name)) ? f.text() : Promise.resolve(null))));
    /** @type {Verdict} */
    let worst = { action: 'allow', rule: null, policy_ref: null, message: null, findings: [] };
    /** @type {{detector: string}[]} */
    const all = [];
    /** @type {(() => string)[]} */
    const redactedTexts = [];
    for (const t of [...texts, c.text]) {
      if (!t) {
        redactedTexts.push(() => t ?? '');
        continue;
      }
      const { v, redacted } = await scanAnywhere(t);
      redactedTexts.push(redacted);
      all.push(...v.findings);
      if (RANK[v.action] > RANK[worst.action]) worst = v;
    }
    return { v: { ...worst, findings: all }, counts: countByDetector(all), texts, redactedTexts };
  }

  /**
   * Lets held-back data through: a synthetic event the page's own handlers understand,
   * marked so the guard does not stop it again; text nobody handled is inserted.
   * @param {Captured} c
   * @param {File[]} files
   * @param {string} text
   * @param {string} html only with the original text (never with redacted text)
   * @param {string[]} types for file inputs: the events held back
   */
  function replayWith(c, files, text, html, types) {
    const dt = new DataTransfer();
    for (const f of files) dt.items.add(f);
    if (text) dt.setData('text/plain', text);
    if (html) dt.setData('text/html', html);
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
