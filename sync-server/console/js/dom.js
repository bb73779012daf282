/**
 * Building the DOM without ever parsing data as HTML. Rule names, messages, hosts and user
 * names are attacker-influenced (anyone can name a site; a rule can be written by anyone
 * with the role), so every string goes in through textContent or a property. Nothing in the
 * console uses innerHTML, insertAdjacentHTML or document.write.
 * @module
 */

/**
 * A child of an element: a node, text, nothing, or a (nested) list of them.
 * @typedef {Node|string|number|null|undefined|false|any[]} Child
 * @typedef {Record<string, unknown>} Attrs
 */

/**
 * Makes an element. In `attrs`: `class`, `text` (textContent), `on<event>` functions,
 * `dataset` (object), booleans (`disabled`), and other attributes as strings. Children:
 * nodes, or strings that become text nodes.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs} [attrs]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = String(v);
    else if (k === 'text') el.textContent = String(v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') /** @type {HTMLInputElement} */ (el).value = String(v);
    else if (k === 'checked') /** @type {HTMLInputElement} */ (el).checked = Boolean(v);
    else if (k.startsWith('on')) {
      // Handlers are functions only: a string here would be an inline script, which the CSP
      // forbids and which data must never become.
      if (typeof v !== 'function') throw new TypeError(`${k} must be a function`);
      el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    } else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

/**
 * @param {Element} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.append(c);
    else el.append(document.createTextNode(String(c)));
  }
}

/**
 * Replaces an element's content.
 * @param {Element} el
 * @param {...Child} children
 */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/**
 * @template T
 * @typedef {{label: string, value: (row: T) => Child, num?: boolean}} Column
 */

/**
 * A table of rows.
 * @template T
 * @param {Column<T>[]} columns
 * @param {T[]} rows
 * @param {{empty?: string, class?: string, caption?: string}} [opts]
 */
export function table(columns, rows, opts = {}) {
  if (rows.length === 0) return h('p', { class: 'muted', text: opts.empty ?? 'Nothing to show.' });
  return h(
    'table',
    { class: opts.class },
    opts.caption ? h('caption', { class: 'muted', text: opts.caption }) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : undefined, scope: 'col', text: c.label })))),
    h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', { class: c.num ? 'num' : undefined }, c.value(r)))))),
  );
}

/**
 * A message box.
 * @param {'error'|'ok'|'info'} kind
 * @param {...Child} children
 */
export function notice(kind, ...children) {
  return h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

/**
 * An error as a message box; a policy error lists each problem with where it is.
 * @param {unknown} e
 */
export function errorBox(e) {
  const err = /** @type {{message?: string, problems?: {at: string, message: string}[]}} */ (e);
  const problems = err.problems ?? [];
  return notice(
    'error',
    String(err.message ?? e),
    problems.length ? h('ul', {}, problems.map((p) => h('li', {}, h('code', { text: p.at }), ': ', p.message))) : null,
  );
}

/**
 * An action (`block`, `warn`, `allow`, `redact`) as a coloured badge.
 * @param {string|null|undefined} action
 */
export function actionBadge(action) {
  if (!action) return '';
  return h('span', { class: `badge action-${action}`, text: action });
}

/**
 * A time as the reader's local date and time (the API speaks RFC 3339, UTC).
 * @param {string|null|undefined} iso
 */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * A labelled form control.
 * @param {string} label
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  return h('label', {}, label, control, hint ? h('small', { class: 'muted', text: hint }) : null);
}

/**
 * JSON, pretty-printed, as text.
 * @param {unknown} v
 */
export function jsonBlock(v) {
  return h('pre', { text: JSON.stringify(v, null, 2) });
}
