/**
 * Stopping an event the guard holds back, and letting held-back data through: a synthetic
 * event the page's own handlers understand, marked so the guard does not stop it again.
 */
import { insertText } from './insert.js';

/** @typedef {import('./captured.js').Captured} Captured */

/** @param {Event|null} e */
export function stop(e) {
  e?.preventDefault();
  e?.stopImmediatePropagation();
}

/**
 * Lets held-back data through; text nobody handled is inserted.
 * @param {WeakSet<Event>} replayed the events the guard made, which loader.js lets pass
 * @param {Captured} c
 * @param {File[]} files
 * @param {string} text
 * @param {boolean} original whether this is the original data: then the rich flavours
 *   (HTML, RTF) go with it; redacted data is plain text only
 * @param {string[]} types for file inputs: the events to replay
 */
export function replay(replayed, c, files, text, original, types) {
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
