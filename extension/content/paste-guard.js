/**
 * The paste guard: carries out what lifeguard-core decides about everything pasted, dropped
 * or chosen for upload on a site where the policy inspects pastes. This module routes each
 * captured event; the rooms around it do the work:
 *
 * - page-engine.js: the engine in the page and the policy in force, or the service worker's;
 * - file-reader.js: files read and inspected with the text that came with them;
 * - verdicts.js: block, redact or warn, the notices and the reports;
 * - replay.js: held-back data let through as a synthetic event.
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
import { flavours } from './captured.js';
import { readAndInspect } from './file-reader.js';
import { showToolNotice } from './notice.js';
import { startEngine } from './page-engine.js';
import { replay, stop } from './replay.js';
import { startTyping } from './typing-guard.js';
import { carryOut, failed, report } from './verdicts.js';

/** @typedef {import('./captured.js').Captured} Captured */
/** @typedef {import('../shared/messages.js').Inspection} Inspection */

/**
 * Loads the engine (or finds the page forbids it) and the policy in force; returns the
 * guard loader.js hands events to.
 * @param {{replayed: WeakSet<Event>, holding: WeakSet<HTMLInputElement>}} env `holding`: file
 *   inputs loader.js emptied while their files are checked
 */
export async function startGuard({ replayed, holding }) {
  const engine = await startEngine();
  showToolNoticeIfAuthorized();

  async function showToolNoticeIfAuthorized() {
    if (window !== window.top) return;
    const d = await engine.decidePage();
    if (d?.source === 'authorized_tool' && (d.notice || d.workspace_only)) showToolNotice(d.notice ?? '', d.policy_ref, Boolean(d.workspace_only));
  }

  /**
   * Text only (plain and HTML flavours): decided inside the event when the engine (and, for
   * HTML, the extractor) runs here; else held back and decided asynchronously.
   * @param {Captured} c
   * @param {Event|null} e
   */
  function decideText(c, e) {
    const parts = flavours(c);
    const now = engine.inspectNow(parts, c.via);
    if (now) {
      applyText(c, e, now);
      return;
    }
    stop(e);
    c.deferred = true;
    engine.inspect(parts, c.via).then(
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
      if (c.deferred) replay(replayed, c, [], c.text, true, []);
      return;
    }
    stop(e);
    carryOut(v, c, {
      original: () => replay(replayed, c, [], c.text, true, []),
      redacted: () => replay(replayed, c, [], v.insert ?? '', false, []),
    });
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
    readAndInspect(c, engine.inspect)
      .then(({ v, formats }) => {
        if (input) holding.delete(input);
        const types = input ? ['input', 'change'] : [];
        if (v.action === 'allow') {
          report(v.report.now, v, v.counts, c.via);
          replay(replayed, c, c.files, c.text, true, types);
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
          original: () => replay(replayed, c, c.files, c.text, true, types),
          redacted: () => replay(replayed, c, redactedFiles(), c.text || c.html || c.rtf ? (v.insert ?? '') : '', false, types),
        });
      })
      .catch((err) => {
        if (input) holding.delete(input);
        failed(c, err);
      });
  }

  // Typed text: typing-guard.js watches the composers and holds sends, with the same engine.
  startTyping({
    scanNow: engine.scanNow,
    scan: async (text) => (await engine.inspect([{ kind: 'plain', text }], 'typing')).v,
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
