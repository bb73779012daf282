/**
 * The paste guard's first, synchronous part: a classic content script registered at
 * document_start on the hosts where pastes are inspected.
 *
 * It puts capture-phase listeners on `window` before any page script runs (the listener
 * that held when a peer's paste suppression broke: dfki-dsa/pii-guardrail-browser-extension
 * issue 25), reads what is being pasted or dropped while the event is still being
 * dispatched (the clipboard is unreadable afterwards), and hands it to the guard module
 * (paste-guard.js), which decides with lifeguard-core. Until the module and its wasm have
 * loaded, everything is held back (fail closed) and replayed once they are ready.
 *
 * Safe to inject twice (registration and injection into open tabs can overlap): the second
 * run finds the marker and does nothing.
 */
(() => {
  const MARK = Symbol.for('lifeguard.pasteGuard');
  const g = /** @type {any} */ (globalThis);
  if (g[MARK]) return;

  /** Events the guard dispatched itself when replaying an allowed drop or file choice. */
  const replayed = new WeakSet();
  /** File inputs whose chosen files are being checked (paste-guard.js lets go of them). */
  /** @type {WeakSet<HTMLInputElement>} */
  const holding = new WeakSet();
  /** What capture() answers for an event to stop without deciding it. */
  const HOLD = Symbol('hold');
  /** @type {any[]} */
  const pending = [];
  /** @type {{handle: (c: any, e: Event|null) => void}|null} */
  let guard = null;

  /**
   * The editable element an event is aimed at: a text control, or the root of a
   * contenteditable region (editors put the caret in nested paragraphs), through open
   * shadow roots.
   * @param {Event} e
   * @returns {HTMLElement|null}
   */
  function editableTarget(e) {
    const path = e.composedPath();
    for (const n of path) {
      if (!(n instanceof HTMLElement)) continue;
      if (n instanceof HTMLTextAreaElement) return n;
      if (n instanceof HTMLInputElement) return n;
      if (n.isContentEditable) {
        let root = n;
        while (root.parentElement && root.parentElement.isContentEditable) root = root.parentElement;
        return root;
      }
    }
    const first = path[0];
    return first instanceof HTMLElement ? first : null;
  }

  /** The caret or selection, to put text back where the user meant it. */
  function selectionOf(/** @type {HTMLElement|null} */ target) {
    if (target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement) {
      try {
        return { start: target.selectionStart, end: target.selectionEnd };
      } catch {
        return null; // input types without a selection (email, number)
      }
    }
    const sel = target?.getRootNode() instanceof ShadowRoot && 'getSelection' in target.getRootNode() ? /** @type {any} */ (target.getRootNode()).getSelection() : document.getSelection();
    return sel && sel.rangeCount ? { range: sel.getRangeAt(0).cloneRange() } : null;
  }

  /**
   * What an event brings into the page, read while it is dispatched (the `Captured` of
   * paste-guard.js); null when the event brings nothing the guard inspects.
   * @param {Event} e
   * @returns {any}
   */
  function capture(e) {
    // Only what the user did is decided and reported: a page script's synthetic event
    // carries data the page already has (the network line still checks what it sends), and
    // the guard's own replays are marked.
    if (!e.isTrusted || replayed.has(e)) return null;
    if (e.type === 'paste') {
      const dt = /** @type {ClipboardEvent} */ (e).clipboardData;
      if (!dt) return null;
      const target = editableTarget(e);
      return { via: 'paste', text: dt.getData('text/plain'), html: dt.getData('text/html'), rtf: dt.getData('text/rtf'), files: [...dt.files], target, selection: selectionOf(target) };
    }
    if (e.type === 'drop') {
      const de = /** @type {DragEvent} */ (e);
      const dt = de.dataTransfer;
      if (!dt) return null;
      const target = editableTarget(e);
      return {
        via: 'drop',
        text: dt.getData('text/plain'),
        html: dt.getData('text/html'),
        rtf: dt.getData('text/rtf'),
        files: [...dt.files],
        target,
        origin: de.composedPath()[0],
        point: { x: de.clientX, y: de.clientY, screenX: de.screenX, screenY: de.screenY },
        selection: selectionOf(target),
      };
    }
    if (e.type === 'beforeinput') {
      const ie = /** @type {InputEvent} */ (e);
      if (ie.inputType !== 'insertFromPaste' && ie.inputType !== 'insertFromDrop' && ie.inputType !== 'insertFromPasteAsQuotation') return null;
      const text = ie.dataTransfer ? ie.dataTransfer.getData('text/plain') : (ie.data ?? '');
      const html = ie.dataTransfer ? ie.dataTransfer.getData('text/html') : '';
      const target = editableTarget(e);
      return { via: ie.inputType === 'insertFromDrop' ? 'drop' : 'paste', text, html, files: [], target, selection: selectionOf(target), second: true };
    }
    if (e.type === 'change' || e.type === 'input') {
      const input = fileInputOf(e);
      if (!input) return null;
      // The `change` after `input` for a choice being checked (or any event meanwhile).
      if (holding.has(input)) return HOLD;
      const files = [...(input.files ?? [])];
      if (!files.length) return null;
      // Until the guard has decided, the input holds no file: a listener the guard cannot
      // stop (inside a shadow root, where `change` never reaches window) finds it empty.
      holding.add(input);
      input.value = '';
      return { via: 'file', eventType: e.type, text: '', files, target: input, selection: null };
    }
    return null;
  }

  /**
   * The file input an input or change event comes from, in the document or in a shadow
   * root: open ones show it in the composed path; `input` from a closed one reaches
   * `window` retargeted to the host, whose root only the extension can open.
   * @param {Event} e
   * @returns {HTMLInputElement|null}
   */
  function fileInputOf(e) {
    const first = e.composedPath()[0];
    if (first instanceof HTMLInputElement) return first.type === 'file' ? first : null;
    if (!(first instanceof Element)) return null;
    const root = /** @type {any} */ (chrome).dom?.openOrClosedShadowRoot?.(first);
    if (!root) return null;
    /** @type {HTMLInputElement[]} */
    const inputs = [...root.querySelectorAll('input[type=file]')];
    return inputs.find((i) => holding.has(i) || i.files?.length) ?? null;
  }

  /** @param {Event} e */
  function onEvent(e) {
    const c = capture(e);
    if (c === HOLD) {
      e.preventDefault();
      e.stopImmediatePropagation();
      return;
    }
    if (!c || (!c.text && !c.html && !c.rtf && !c.files.length)) return;
    if (guard) {
      guard.handle(c, e);
      return;
    }
    // Not ready yet: hold it back; the guard decides and replays it when it has loaded.
    e.preventDefault();
    e.stopImmediatePropagation();
    c.deferred = true;
    pending.push(c);
  }

  for (const type of ['paste', 'drop', 'beforeinput', 'change', 'input']) {
    window.addEventListener(type, onEvent, { capture: true });
  }
  g[MARK] = { replayed, holding };

  import(chrome.runtime.getURL('content/paste-guard.js'))
    .then((m) => m.startGuard({ replayed, holding }))
    .then((ready) => {
      guard = ready;
      for (const c of pending.splice(0)) ready.handle(c, null);
    })
    .catch((err) => {
      // Without the engine nothing can be decided: keep holding pastes back (fail closed)
      // rather than let data through unchecked, and say why in the console.
      console.error('Lifeguard: the paste guard could not start', err);
      guard = {
        handle(_c, e) {
          e?.preventDefault();
          e?.stopImmediatePropagation();
        },
      };
    });

  // The network line's notices, and keeping its service worker awake (top frame only).
  if (window === window.top) {
    import(chrome.runtime.getURL('content/network-notice.js'))
      .then((m) => m.start())
      .catch((err) => console.error('Lifeguard: the network notice could not start', err));
  }
})();
