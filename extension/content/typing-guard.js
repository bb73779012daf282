/**
 * The typing guard: on hosts where the policy inspects pastes, it watches what the user types
 * into a composer (a textarea, a text input, or the root of a contenteditable editor:
 * ProseMirror, Quill, Lexical, CodeMirror 6, a plain contenteditable), and holds the send
 * while the text holds data the policy blocks or warns about.
 *
 * - Watching: an edit only schedules a check (debounced, DEBOUNCE_MS); the check reads the
 *   composer's text (`value`, or `innerText` of the editable root) and asks lifeguard-core
 *   (`inspect`, via `typing`), here or through the service worker. The page never waits on
 *   it. When the verdict is `block` or `warn`, an inline notice names the kinds of data
 *   found; it goes away once the data is gone. `redact` and `allow` hold nothing: the guard
 *   does not rewrite what the user typed.
 * - Holding: in the capture phase on `window`, before any page handler, a trusted Enter
 *   (without Shift) in a composer, a trusted click on a button (or `[role=button]`, outside
 *   the composer) while the last edited or focused composer has text, and a trusted submit
 *   of the form holding that composer are stopped while the composer's current text has a
 *   `block` or `warn` verdict. The text is re-read at that moment; when it has not been
 *   decided yet (the service worker is still scanning it), the action is held and replayed
 *   once the verdict is `allow`.
 *   `block`: the send stays held until the data is removed (the notice becomes an alert;
 *   the engine's `report.now`, send_blocked, is reported once per text). `warn`: a dialog;
 *   "Send anyway" replays the held action once (`report.anyway`, send_proceeded), "Cancel"
 *   does not (`report.cancel`, send_cancelled). The event kinds are the engine's.
 *
 * Replays are synthetic (untrusted) events, which this guard lets through; so is any other
 * untrusted event (a page script can send whatever it likes without events at all: that is
 * the network line's job). The guard reads the DOM only: an editor that renders only the
 * lines in view (CodeMirror 6 on a long document) shows it part of the text.
 *
 * With `data-lifeguard-measure` on the page's root element, the guard records its costs in
 * the page's performance timeline (`lifeguard:typing-input`, `-read`, `-scan`; durations and
 * sizes, never text): tests/e2e/typing-measure.test.js.
 *
 * Nothing typed leaves the browser: reports carry detector ids and counts only.
 */
import { askSendWarning, clearTypingNotice, showTypingNotice } from './notice.js';

/** How long the user must pause before the text is checked. */
export const DEBOUNCE_MS = 200;

/**
 * What lifeguard-core's `inspect` says of typed text (via `typing`), as far as this guard
 * uses it: the action, why, the counts per detector, and the event kinds to report, which
 * the engine names (`report.now` when a send is held, `report.anyway` / `report.cancel`
 * for the choices after a warning).
 * @typedef {object} Verdict
 * @property {'allow'|'redact'|'warn'|'block'} action
 * @property {string|null} rule
 * @property {string|null} policy_ref
 * @property {string|null} message
 * @property {Record<string, number>} counts
 * @property {{now: string|null, anyway: string|null, cancel: string|null}} report
 */

/**
 * @typedef {object} Notices how the typing guard talks to the user (notice.js)
 * @property {(anchor: HTMLElement, n: {title: string, message: string|null, policyRef: string|null, counts: Record<string, number>, tone: 'block'|'warn', held: boolean}) => void} show
 * @property {() => void} clear
 * @property {(n: {message: string|null, policyRef: string|null, counts: Record<string, number>}) => Promise<'anyway'|'cancel'>} ask
 */

/**
 * What the guard knows of one composer.
 * @typedef {object} Watch
 * @property {string|null} text the text last checked (or being checked)
 * @property {Verdict|null} verdict its verdict, once known
 * @property {Promise<Verdict>|null} pending the check under way in the service worker
 * @property {ReturnType<typeof setTimeout>|undefined} timer the debounced check
 * @property {string|null} approved text the user chose to send anyway, while that send is replayed
 * @property {string|null} reported text whose held send was reported
 * @property {boolean} asking the warning dialog is open
 * @property {boolean} holding a send is held until the pending check answers
 * @property {string} shown what the inline notice shows ('' when none)
 */

/** Input types whose value is text a user could type data into. */
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', '']);

/**
 * The composer an event is aimed at: a text control, or the root of a contenteditable
 * region (editors put the caret in nested paragraphs), through open shadow roots.
 * @param {Event} e
 * @returns {HTMLElement|null}
 */
export function composerOf(e) {
  for (const n of e.composedPath()) {
    if (!(n instanceof HTMLElement)) continue;
    if (n instanceof HTMLTextAreaElement) return n;
    if (n instanceof HTMLInputElement) return TEXT_INPUTS.has(n.type) ? n : null;
    if (n.isContentEditable) {
      let root = n;
      while (root.parentElement && root.parentElement.isContentEditable) root = root.parentElement;
      return root;
    }
  }
  return null;
}

/**
 * The text a composer holds, as the user sees it.
 * @param {HTMLElement} el
 */
export function textOf(el) {
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement) return el.value;
  return el.innerText;
}

/**
 * The button (or submit control) a click is aimed at, outside the guard's own notices.
 * @param {Event} e
 * @returns {HTMLElement|null}
 */
function buttonOf(e) {
  const path = e.composedPath();
  if (path.some((n) => n instanceof HTMLElement && n.localName === 'lifeguard-notice')) return null;
  for (const n of path) {
    if (!(n instanceof HTMLElement)) continue;
    if (n instanceof HTMLButtonElement) return n;
    if (n instanceof HTMLInputElement && ['submit', 'button', 'image'].includes(n.type)) return n;
    if (n.getAttribute('role') === 'button') return n;
  }
  return null;
}

/** @param {Verdict} v */
const holds = (v) => v.action === 'block' || v.action === 'warn';

/**
 * Starts watching composers and holding sends.
 * @param {object} deps
 * @param {(text: string) => Promise<Verdict>} deps.scan decides a text (here or in the service worker)
 * @param {((text: string) => Verdict)|null} deps.scanNow decides synchronously, when the engine runs in this page
 * @param {(kind: string, v: Verdict) => void} deps.report sends a report event of this kind (counts, never text)
 * @param {Notices} [deps.notices] how to tell the user (notice.js)
 * @param {Window} [deps.target] where to listen (this window)
 */
export function startTyping({ scan, scanNow, report, notices = { show: showTypingNotice, clear: clearTypingNotice, ask: askSendWarning }, target = window }) {
  /** @type {WeakMap<HTMLElement, Watch>} */
  const watched = new WeakMap();
  /** The composer the user last edited or focused. @type {HTMLElement|null} */
  let last = null;
  /** The composer the inline notice is about. @type {HTMLElement|null} */
  let noticeFor = null;
  const measuring = () => document.documentElement.hasAttribute('data-lifeguard-measure');

  /** @param {HTMLElement} el */
  function watch(el) {
    let w = watched.get(el);
    if (!w) {
      w = { text: null, verdict: null, pending: null, timer: undefined, approved: null, reported: null, asking: false, holding: false, shown: '' };
      watched.set(el, w);
    }
    return w;
  }

  /** @param {Event} e */
  function stop(e) {
    e.preventDefault();
    e.stopImmediatePropagation();
  }

  /**
   * The inline notice for a composer's verdict (or none).
   * @param {HTMLElement} el
   * @param {Verdict|null} v
   * @param {boolean} held a send was just held
   */
  function showFor(el, v, held) {
    const w = watch(el);
    if (!v || !holds(v)) {
      if (noticeFor === el) {
        notices.clear();
        noticeFor = null;
      }
      w.shown = '';
      return;
    }
    const counts = v.counts;
    const key = JSON.stringify([v.action, counts, held]);
    if (noticeFor === el && w.shown === key) return;
    const block = v.action === 'block';
    const title = held
      ? block
        ? 'Not sent: remove the sensitive data from your message first'
        : 'Not sent yet: your message may contain sensitive data'
      : block
        ? 'Your message contains sensitive data that cannot be sent to this tool'
        : 'Your message may contain sensitive data: check it before you send it';
    notices.show(el, { title, message: v.message, policyRef: v.policy_ref, counts, tone: block ? 'block' : 'warn', held });
    noticeFor = el;
    w.shown = key;
  }

  /**
   * Records a verdict for the text it was asked about, if that is still the composer's.
   * @param {HTMLElement} el
   * @param {string} text
   * @param {Verdict} v
   */
  function settle(el, text, v) {
    const w = watch(el);
    if (w.text !== text) return;
    w.verdict = v;
    w.pending = null;
    showFor(el, v, false);
  }

  /**
   * Checks a composer's current text: synchronously when the engine runs here (returns the
   * verdict), else through the service worker (returns the promise of it). Null: no text.
   * @param {HTMLElement} el
   * @returns {Verdict|Promise<Verdict>|null}
   */
  function check(el) {
    const w = watch(el);
    const t0 = performance.now();
    const text = textOf(el);
    if (measuring()) performance.measure('lifeguard:typing-read', { start: t0, end: performance.now(), detail: { chars: text.length } });
    if (text === w.text && (w.verdict || w.pending)) return w.verdict ?? w.pending;
    w.text = text;
    w.verdict = null;
    w.pending = null;
    w.reported = null;
    if (!text.trim()) {
      showFor(el, null, false);
      return null;
    }
    if (scanNow) {
      const t1 = performance.now();
      const v = scanNow(text);
      if (measuring()) performance.measure('lifeguard:typing-scan', { start: t1, end: performance.now(), detail: { chars: text.length, where: 'page' } });
      settle(el, text, v);
      return v;
    }
    const t1 = performance.now();
    const p = scan(text);
    w.pending = p;
    p.then(
      (v) => {
        if (measuring()) performance.measure('lifeguard:typing-scan', { start: t1, end: performance.now(), detail: { chars: text.length, where: 'service worker' } });
        settle(el, text, v);
      },
      (err) => {
        if (w.pending === p) w.pending = null;
        if (w.text === text) w.text = null; // check again next time
        console.error('Lifeguard: could not check the message', err);
      },
    );
    return p;
  }

  /**
   * A trusted edit: check the text once the user pauses.
   * @param {Event} e
   */
  function onEdit(e) {
    const t0 = performance.now();
    const el = composerOf(e);
    if (!el) return;
    // Any change is worth a check (a script's too); only the user's own edits say which
    // composer a click on a button sends.
    if (e.isTrusted) last = el;
    const w = watch(el);
    clearTimeout(w.timer);
    w.timer = setTimeout(() => {
      w.timer = undefined;
      check(el);
    }, DEBOUNCE_MS);
    if (measuring()) performance.measure('lifeguard:typing-input', { start: t0, end: performance.now(), detail: { type: e.type } });
  }

  /**
   * A send (Enter, a click, a submit) while `el` holds `text`: let it go, hold it, or stop it.
   * @param {HTMLElement} el
   * @param {Event|null} e the live event, or null when it is already held
   * @param {() => void} replay does the held action again (untrusted, so it passes)
   * @returns {void}
   */
  function decideSend(el, e, replay) {
    const w = watch(el);
    if (w.asking) {
      if (e) stop(e);
      return;
    }
    const text = textOf(el);
    if (!text.trim()) {
      if (!e) replay();
      return;
    }
    clearTimeout(w.timer);
    w.timer = undefined;
    let got;
    try {
      got = check(el);
    } catch (err) {
      if (e) stop(e);
      failed(el, err);
      return;
    }
    if (got && !(got instanceof Promise)) {
      act(el, text, got, e, replay);
      return;
    }
    if (!got) {
      if (!e) replay();
      return;
    }
    // Not decided yet: hold it until the service worker answers. One held send per
    // composer: a second Enter or click meanwhile is the same send, not another one.
    if (e) stop(e);
    if (w.holding) return;
    w.holding = true;
    got.then(
      () => {
        w.holding = false;
        decideSend(el, null, replay);
      },
      (err) => {
        w.holding = false;
        failed(el, err);
      },
    );
  }

  /**
   * @param {HTMLElement} el
   * @param {string} text
   * @param {Verdict} v
   * @param {Event|null} e
   * @param {() => void} replay
   */
  function act(el, text, v, e, replay) {
    const w = watch(el);
    if (!holds(v) || w.approved === text) {
      if (!e) replay();
      return;
    }
    if (e) stop(e);
    const counts = v.counts;
    if (v.action === 'block') {
      showFor(el, v, true);
      if (w.reported !== text && v.report.now) {
        w.reported = text;
        report(v.report.now, v);
      }
      return;
    }
    w.asking = true;
    notices.ask({ message: v.message, policyRef: v.policy_ref, counts }).then((choice) => {
      w.asking = false;
      if (choice === 'anyway') {
        if (v.report.anyway) report(v.report.anyway, v);
        // Only the text the user saw the warning for, and only this once: the replay (and
        // the events it sets off, a submit after a click) passes while `approved` is set.
        if (textOf(el) === text) {
          w.approved = text;
          try {
            replay();
          } finally {
            w.approved = null;
          }
        }
      } else {
        if (v.report.cancel) report(v.report.cancel, v);
        el.focus();
      }
    });
  }

  /**
   * @param {HTMLElement} el
   * @param {unknown} err
   */
  function failed(el, err) {
    // A send that could not be checked stays held.
    console.error('Lifeguard: could not check the message before sending', err);
    notices.show(el, { title: 'Not sent: your message could not be checked', message: null, policyRef: null, counts: {}, tone: 'block', held: true });
    noticeFor = el;
    watch(el).shown = '';
  }

  /** @param {Event} e */
  function onKeydown(e) {
    const k = /** @type {KeyboardEvent} */ (e);
    if (!e.isTrusted) return;
    onEdit(e);
    if (k.key !== 'Enter' || k.shiftKey || k.isComposing) return;
    const el = composerOf(e);
    if (!el) return;
    const origin = /** @type {EventTarget} */ (e.composedPath()[0] ?? el);
    decideSend(el, e, () => {
      const again = new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true, composed: true, ctrlKey: k.ctrlKey, metaKey: k.metaKey, altKey: k.altKey });
      // Editors that still read the legacy codes.
      Object.defineProperty(again, 'keyCode', { get: () => 13 });
      Object.defineProperty(again, 'which', { get: () => 13 });
      origin.dispatchEvent(again);
    });
  }

  /** @param {Event} e */
  function onClick(e) {
    if (!e.isTrusted || !last || !last.isConnected) return;
    const button = buttonOf(e);
    if (!button || last.contains(button)) return;
    decideSend(last, e, () => button.click());
  }

  /** @param {Event} e */
  function onSubmit(e) {
    if (!e.isTrusted || !last || !last.isConnected) return;
    const form = /** @type {HTMLFormElement} */ (e.target);
    if (!(form instanceof HTMLFormElement) || !form.contains(last)) return;
    const submitter = /** @type {SubmitEvent} */ (e).submitter;
    decideSend(last, e, () => form.requestSubmit(submitter && form.contains(submitter) ? submitter : undefined));
  }

  /** @param {Event} e */
  function onFocus(e) {
    if (!e.isTrusted) return;
    const el = composerOf(e);
    if (el) last = el;
  }

  const opts = { capture: true };
  for (const type of ['input', 'beforeinput', 'keyup', 'compositionend', 'cut', 'paste', 'drop']) target.addEventListener(type, onEdit, opts);
  target.addEventListener('keydown', onKeydown, opts);
  target.addEventListener('click', onClick, opts);
  target.addEventListener('submit', onSubmit, opts);
  target.addEventListener('focusin', onFocus, opts);
}
