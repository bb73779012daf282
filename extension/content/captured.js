/**
 * What loader.js captures from a paste, drop or file choice, and its text flavours as the
 * parts lifeguard-core inspects.
 */

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

/** @typedef {import('../shared/inspect.js').Part} Part */

/**
 * The flavours of a paste or drop as parts.
 * @param {Captured} c
 * @returns {Part[]}
 */
export function flavours(c) {
  /** @type {Part[]} */
  const parts = [];
  if (c.text) parts.push({ kind: 'plain', text: c.text });
  if (c.html) parts.push({ kind: 'html', html: c.html });
  if (c.rtf) parts.push({ kind: 'rtf', rtf: c.rtf });
  return parts;
}
