/**
 * The chat app around an editor, shared by every /chat/<editor> page of the fake AI sites
 * (bundled with the editor by build-chat.mjs): Enter (without Shift) in the composer and the
 * Send button send the editor's text to /api/send, as the app reads it from the library's own
 * API; the file input and the drop zone upload each file to /api/upload.
 */

/**
 * @typedef {{
 *   composer: HTMLElement,
 *   getText: () => string,
 *   clear: () => void,
 * }} Editor
 */

let sends = 0;

/** @param {string} line */
function log(line) {
  const pre = /** @type {HTMLElement} */ (document.getElementById('log'));
  pre.textContent += `${line}\n`;
}

/**
 * Wires the page around a mounted editor; returns `send`, for the editor's Enter binding.
 * @param {() => Editor} mount builds the editor inside #editor
 */
export function chatApp(mount) {
  /** @type {Editor|null} */
  let editor = null;
  async function send() {
    if (!editor) return;
    const prompt = editor.getText();
    if (!prompt.trim()) return; // chat apps do not send an empty prompt
    await fetch('/api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt }) });
    editor.clear();
    log(`sent ${++sends}`);
  }

  /** @param {File} file */
  async function upload(file) {
    const body = new FormData();
    body.append('file', file, file.name);
    await fetch('/api/upload', { method: 'POST', body });
    log(`uploaded ${file.name}`);
  }

  function start() {
    document.getElementById('site').textContent = location.hostname;
    editor = mount();
    editor.composer.setAttribute('data-composer', '');
    const form = /** @type {HTMLFormElement} */ (document.getElementById('chat'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void send();
    });
    const input = /** @type {HTMLInputElement} */ (document.getElementById('upload'));
    input.addEventListener('change', async () => {
      for (const f of input.files ?? []) await upload(f);
    });
    const drop = /** @type {HTMLElement} */ (document.getElementById('dropzone'));
    drop.addEventListener('dragover', (e) => e.preventDefault());
    drop.addEventListener('drop', async (e) => {
      e.preventDefault();
      for (const f of e.dataTransfer?.files ?? []) await upload(f);
    });
    document.body.setAttribute('data-chat-ready', '');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
  return send;
}

/**
 * Enter without Shift sends (keydown on a textarea or a plain contenteditable element).
 * @param {HTMLElement} el
 * @param {() => Promise<void>} send
 */
export function sendOnEnter(el, send) {
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  });
}
