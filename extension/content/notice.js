/**
 * What the paste guard shows in the page: a notice when a paste is blocked or redacted, the
 * warning dialog, and the public-records notice on authorized tools (APP 04.05 §VI).
 *
 * Everything lives in a closed shadow root on an element of our own, styled by a constructed
 * stylesheet (not subject to the page's CSS, and not an inline style its CSP could refuse).
 * Rule messages and citations come from the policy and are shown with textContent only.
 */
import { describeCounts } from '../shared/detectors.js';

const CSS = `
:host { all: initial; }
.box { position: fixed; z-index: 2147483647; right: 16px; bottom: 16px; max-width: 440px;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b;
  background: #fff; border: 1px solid #8a8a8a; border-left: 6px solid #b00020; border-radius: 6px;
  box-shadow: 0 4px 18px rgba(0,0,0,.25); padding: 14px 16px; }
.box.warn { border-left-color: #a15c00; }
.box.info { border-left-color: #005ea2; max-width: 380px; font-size: 13px; padding: 10px 12px; }
.box.ok { border-left-color: #2e7d32; }
.box.inline { padding: 10px 12px; font-size: 13px; }
h2 { font-size: 15px; margin: 0 0 6px; }
p { margin: 6px 0; }
ul { margin: 6px 0 6px 18px; padding: 0; }
.ref { color: #4a4a4a; font-size: 12px; }
.buttons { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 10px; }
button { font: inherit; padding: 6px 12px; border-radius: 4px; border: 1px solid #5c5c5c; background: #f4f4f4; color: #1b1b1b; cursor: pointer; }
button.primary { background: #005ea2; border-color: #005ea2; color: #fff; }
button:focus-visible { outline: 3px solid #ffbf47; outline-offset: 1px; }
.close { position: absolute; top: 6px; right: 8px; border: 0; background: transparent; font-size: 18px; padding: 2px 6px; }
`;

/** @type {CSSStyleSheet|null} */
let sheet = null;

/**
 * A fresh shadow-DOM host at the end of the document, replacing any earlier notice.
 * @param {string} kind
 */
function host(kind) {
  for (const old of document.querySelectorAll(`lifeguard-notice[data-kind="${kind}"]`)) old.remove();
  const el = document.createElement('lifeguard-notice');
  el.dataset.kind = kind;
  // Inline !important beats any page rule that would hide or move the notice.
  el.style.setProperty('all', 'initial', 'important');
  el.style.setProperty('display', 'block', 'important');
  // Closed: a page script sees the host element and nothing in it.
  const root = el.attachShadow({ mode: 'closed' });
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  root.adoptedStyleSheets = [sheet];
  (document.body ?? document.documentElement).append(el);
  return { el, root };
}

/**
 * Runs `fn` when the user clicks the button (mouse, touch, or Enter/Space on it): a page
 * script reaching into the notice and calling `click()` makes an untrusted event, which
 * never chooses "anyway" for the user.
 * @param {HTMLElement} button
 * @param {() => void} fn
 */
function onUserClick(button, fn) {
  button.addEventListener('click', (e) => {
    if (e.isTrusted) fn();
  });
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {string} [text]
 */
function h(tag, attrs = {}, text = '') {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text) el.textContent = text;
  return el;
}

/**
 * @param {HTMLElement} box
 * @param {Record<string, number>} counts
 */
function findingsList(box, counts) {
  const items = describeCounts(counts);
  if (!items.length) return;
  const ul = h('ul', { 'aria-label': 'Kinds of data found' });
  for (const item of items) ul.append(h('li', {}, item));
  box.append(ul);
}

/**
 * "Paste blocked" (or "Data removed") notice; dismissable, announced to screen readers.
 * @param {{title: string, message: string|null, policyRef: string|null, counts: Record<string, number>, tone: 'block'|'ok'}} n
 */
export function showNotice(n) {
  const { el, root } = host('paste');
  const box = h('div', { class: `box ${n.tone === 'ok' ? 'ok' : ''}`, role: n.tone === 'block' ? 'alert' : 'status', 'aria-live': 'assertive' });
  box.append(h('h2', {}, n.title));
  findingsList(box, n.counts);
  if (n.message) box.append(h('p', {}, n.message));
  if (n.policyRef) box.append(h('p', { class: 'ref' }, n.policyRef));
  const close = h('button', { class: 'close', type: 'button', 'aria-label': 'Close this notice' }, '\u00d7');
  close.addEventListener('click', () => el.remove());
  box.append(close);
  root.append(box);
  // Leave it long enough to read; the user can close it sooner.
  setTimeout(() => el.remove(), 20_000);
}

/**
 * A warning dialog in its own notice: what was found, the policy's message, and buttons; it
 * resolves with the choice of the button a user clicked (the first has the focus). Escape
 * means cancel.
 * @template {string} C
 * @param {string} kind the notice's slot
 * @param {{title: string, message: string, policyRef: string|null, counts: Record<string, number>}} n
 * @param {{label: string, choice: C, primary?: boolean}[]} choices
 * @param {C} onEscape
 * @returns {Promise<C>}
 */
function askChoice(kind, n, choices, onEscape) {
  return new Promise((resolve) => {
    const { el, root } = host(kind);
    const box = h('div', { class: 'box warn', role: 'alertdialog', 'aria-modal': 'false', 'aria-labelledby': 'lg-title', 'aria-describedby': 'lg-desc' });
    box.append(h('h2', { id: 'lg-title' }, n.title));
    findingsList(box, n.counts);
    box.append(h('p', { id: 'lg-desc' }, n.message));
    if (n.policyRef) box.append(h('p', { class: 'ref' }, n.policyRef));
    const buttons = h('div', { class: 'buttons' });
    root.append(box);
    /** @param {C} choice */
    const done = (choice) => {
      el.remove();
      resolve(choice);
    };
    const made = choices.map((c) => {
      const b = h('button', { type: 'button', ...(c.primary ? { class: 'primary' } : {}) }, c.label);
      onUserClick(b, () => done(c.choice));
      return b;
    });
    buttons.append(...made);
    box.append(buttons);
    box.addEventListener('keydown', (e) => {
      if (/** @type {KeyboardEvent} */ (e).key === 'Escape') done(onEscape);
    });
    made[0]?.focus();
  });
}

/**
 * The paste, drop or upload warning: resolves with the user's choice. Escape means cancel.
 * @param {{title?: string, verb?: 'Paste'|'Upload', message: string|null, policyRef: string|null, counts: Record<string, number>}} n
 *   `verb` names the buttons ("Upload anyway" for files)
 * @returns {Promise<'anyway'|'redacted'|'cancel'>}
 */
export function askWarning(n) {
  const verb = n.verb ?? 'Paste';
  const text = { title: n.title ?? 'This text may contain sensitive data', message: n.message || 'Check that this data may be shared with an AI tool before you paste it.', policyRef: n.policyRef, counts: n.counts };
  return askChoice('paste', text, [{ label: `${verb} with the data removed`, choice: 'redacted', primary: true }, { label: `${verb} anyway`, choice: 'anyway' }, { label: 'Cancel', choice: 'cancel' }], 'cancel');
}

/**
 * The public-records notice on an authorized tool (APP 04.05 §VI): small, dismissable. On a
 * tool with tenant restrictions it also says that only the City's workspace signs in here.
 * @param {string} notice
 * @param {string|null} policyRef
 * @param {boolean} workspaceOnly
 */
export function showToolNotice(notice, policyRef, workspaceOnly) {
  const show = () => {
    const { el, root } = host('tool');
    const box = h('div', { class: 'box info', role: 'note', 'aria-label': 'Public records notice' });
    box.append(h('h2', {}, 'City-authorized AI tool'));
    if (workspaceOnly) box.append(h('p', { class: 'workspace' }, 'City workspace only: sign in with your City account. Personal accounts are refused here (APP 04.05 §IV.1).'));
    if (notice) box.append(h('p', {}, notice));
    if (policyRef) box.append(h('p', { class: 'ref' }, policyRef));
    const close = h('button', { class: 'close', type: 'button', 'aria-label': 'Dismiss the public records notice' }, '\u00d7');
    close.addEventListener('click', () => el.remove());
    box.append(close);
    root.append(box);
  };
  if (document.body) show();
  else document.addEventListener('DOMContentLoaded', show, { once: true });
}

/**
 * The typing guard's inline notice, placed by the composer: which kinds of data the message
 * holds that the policy blocks or warns about. A status while the user types; an alert once
 * a send was held. Replaces the previous one; `clearTypingNotice` removes it.
 * @param {HTMLElement} anchor the composer
 * @param {{title: string, message: string|null, policyRef: string|null, counts: Record<string, number>, tone: 'block'|'warn', held: boolean}} n
 */
export function showTypingNotice(anchor, n) {
  const { root } = host('typing');
  const box = h('div', { class: `box inline ${n.tone === 'warn' ? 'warn' : ''}`, role: n.held ? 'alert' : 'status', 'aria-live': n.held ? 'assertive' : 'polite' });
  box.append(h('h2', {}, n.title));
  findingsList(box, n.counts);
  if (n.message) box.append(h('p', {}, n.message));
  if (n.policyRef) box.append(h('p', { class: 'ref' }, n.policyRef));
  root.append(box);
  // Above the composer, as chat apps keep it at the bottom of the window; where there is no
  // room above it, in the corner like the other notices (never over the composer or its
  // Send button). CSSOM, which no page CSP refuses.
  const r = anchor.getBoundingClientRect();
  if (r.top >= box.offsetHeight + 16) {
    box.style.left = `${Math.max(8, Math.min(r.left, innerWidth - box.offsetWidth - 8))}px`;
    box.style.right = 'auto';
    box.style.bottom = `${innerHeight - r.top + 8}px`;
  }
}

/** Removes the typing guard's inline notice, if shown. */
export function clearTypingNotice() {
  for (const old of document.querySelectorAll('lifeguard-notice[data-kind="typing"]')) old.remove();
}

/**
 * The typing guard's warning before a send: resolves with the user's choice. Escape means
 * cancel, and Cancel has the focus.
 * @param {{message: string|null, policyRef: string|null, counts: Record<string, number>}} n
 * @returns {Promise<'anyway'|'cancel'>}
 */
export function askSendWarning(n) {
  const text = { title: 'Your message may contain sensitive data', message: n.message || 'Check that this data may be shared with an AI tool before you send it.', policyRef: n.policyRef, counts: n.counts };
  return askChoice('send', text, [{ label: 'Cancel', choice: 'cancel', primary: true }, { label: 'Send anyway', choice: 'anyway' }], 'cancel');
}
