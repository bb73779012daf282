/**
 * Puts text into the element a paste was aimed at, after the guard stopped the original
 * paste (to redact it, or because the user chose "Paste anyway" after a warning).
 *
 * Text controls get `setRangeText` and an `input` event (frameworks such as React listen for
 * it). Contenteditable editors (ProseMirror, Lexical, Quill: what ChatGPT, Claude and Gemini
 * use) get `execCommand('insertText')`, which goes through the editor's own `beforeinput`
 * handling and undo stack; a plain Range insert is the fallback.
 */

/**
 * @param {HTMLElement|null} target
 * @param {{start: number|null, end: number|null}|{range: Range}|null} selection where the caret was
 * @param {string} text
 * @returns {boolean} whether the text was inserted
 */
export function insertText(target, selection, text) {
  if (!target || !target.isConnected) return false;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) {
    target.focus();
    const s = selection && 'start' in selection ? selection : null;
    const start = s?.start ?? target.selectionStart ?? target.value.length;
    const end = s?.end ?? target.selectionEnd ?? start;
    try {
      target.setRangeText(text, start, end, 'end');
    } catch {
      // Input types without a selection API (email): append.
      target.value += text;
    }
    target.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertFromPaste', data: text }));
    return true;
  }
  if (target.isContentEditable) {
    target.focus();
    const sel = document.getSelection();
    if (sel && selection && 'range' in selection && target.contains(selection.range.startContainer)) {
      sel.removeAllRanges();
      sel.addRange(selection.range);
    }
    // execCommand is deprecated but still the one way to insert "as if typed" that rich
    // editors understand; it returns false when it could not act.
    if (document.execCommand('insertText', false, text)) return true;
    const range = sel && sel.rangeCount ? sel.getRangeAt(0) : null;
    if (!range || !target.contains(range.startContainer)) return false;
    range.deleteContents();
    const node = document.createTextNode(text);
    range.insertNode(node);
    range.setStartAfter(node);
    range.collapse(true);
    sel?.removeAllRanges();
    sel?.addRange(range);
    target.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertFromPaste', data: text }));
    return true;
  }
  return false;
}
