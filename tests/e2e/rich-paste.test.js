/**
 * The ordinary paths around the plain-text paste (issue 9): rich pastes (text/html with or
 * without text/plain, as copying from a web page, Word or Outlook gives), frames without a
 * URL of their own (about:blank, srcdoc), files dropped from the desktop, and events a page
 * script makes up. Real Chromium, the real built extension, real editors (ProseMirror, Quill,
 * Lexical from npm), the real clipboard and Control+V, the browser's own drag and drop. The
 * test is what the fake AI site RECEIVED at /api/send and /api/upload.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { composer, openChat, realDrop, realPaste, richPaste, startStack } from '../lib/harness.js';
import { cleanup, tempDir, waitFor } from '../lib/util.js';
import { notice, noticeButton } from '../lib/notices.js';

const HOST = 'ai.redondo.org';
const SSN = /\d{3}\D{0,3}\d{2}\D{0,3}\d{4}/;

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
/** @type {string} */
let dir;
before(async () => {
  stack = await startStack();
  await stack.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `https://${HOST}` });
  dir = tempDir('lifeguard-drop-');
});
after(async () => {
  await stack?.close();
  if (dir) cleanup(dir);
});

/** The composer's text as the user sees it. */
async function composerText(/** @type {import('playwright-core').Page} */ page) {
  return composer(page).evaluate((el) => ('value' in el ? String(el.value) : /** @type {HTMLElement} */ (el).innerText));
}

/** Sends a clean prompt and returns everything /api/send received, ending with it. */
async function sendClean(/** @type {import('playwright-core').Page} */ page) {
  await composer(page).click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.type('Summarise the parks plan.');
  await page.keyboard.press('Enter');
  return waitFor(async () => {
    const s = stack.sites.sent(HOST);
    return s.at(-1) === 'Summarise the parks plan.' ? s : null;
  }, 'the clean prompt at /api/send');
}

/** paste events of a kind the server stored so far. */
async function stored(/** @type {string} */ kind) {
  return (await stack.server.events({ kind, host: HOST })).length;
}

for (const editor of ['prosemirror', 'quill', 'lexical', 'contenteditable']) {
  describe(`rich pastes into ${editor} (strict CSP: the service worker decides)`, () => {
    test('an HTML-only paste with an SSN split across elements is blocked, and never reaches the site', async () => {
      stack.sites.clearReceived();
      const page = await openChat(stack, editor);
      await richPaste(page, '[data-composer]', { html: '<p>Employee <b>Jane Roe</b>, SSN <span>123</span>-<span>45</span>-<i>6789</i></p>' });
      const alert = notice(page, 'alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /Paste blocked: sensitive data found/);
      assert.match(await alert.innerText(), /Social Security number/);
      assert.doesNotMatch(await composerText(page), SSN);
      for (const prompt of await sendClean(page)) assert.doesNotMatch(prompt, SSN);
      await page.close();
    });

    test('data only in the HTML flavour (a link the plain text leaves out) decides the paste', async () => {
      stack.sites.clearReceived();
      const page = await openChat(stack, editor);
      await richPaste(page, '[data-composer]', { text: 'See the record.', html: '<p>See the <a href="https://records.example/?ssn=123-45-6789" title="SSN 123-45-6789">record</a>.</p>' });
      await notice(page, 'alert').waitFor();
      assert.equal((await composerText(page)).trim(), '');
      for (const prompt of await sendClean(page)) assert.doesNotMatch(prompt, SSN);
      await page.close();
    });

    test('a rich paste with an e-mail address is inserted as plain text with the placeholder', async () => {
      stack.sites.clearReceived();
      const page = await openChat(stack, editor);
      await richPaste(page, '[data-composer]', { text: 'Ask bob.smith@example.com for the agenda.', html: '<p>Ask <a href="mailto:bob.smith@example.com"><b>bob.smith@example.com</b></a> for the agenda.</p>' });
      await waitFor(async () => (await composerText(page)).includes('Ask [EMAIL] for the agenda.'), 'the redacted text in the composer');
      await notice(page, 'status', { hasText: 'replaced with placeholders' }).waitFor();
      await page.keyboard.press('Enter');
      const sent = await waitFor(async () => stack.sites.sent(HOST).at(-1) ?? null, 'the prompt');
      assert.equal(sent.trim(), 'Ask [EMAIL] for the agenda.');
      assert.equal(await composer(page).locator('a, b, strong').count(), 0, 'no markup of the original is inserted');
      await page.close();
    });

    test('a clean rich paste keeps its formatting and is sent unchanged', async () => {
      stack.sites.clearReceived();
      const page = await openChat(stack, editor);
      await richPaste(page, '[data-composer]', { text: 'Summarise the parks plan.', html: '<p>Summarise the <b>parks</b> plan.</p>' });
      await waitFor(async () => (await composerText(page)).includes('Summarise the parks plan.'), 'the pasted text');
      // Editors take the replayed rich paste with its formatting; a bare contenteditable
      // under a strict CSP (decided in the service worker, so the paste is replayed and no
      // handler of the page takes it) gets the plain text.
      if (editor !== 'contenteditable') assert.equal(await composer(page).locator('b, strong').count(), 1, 'the bold word is bold');
      assert.equal(await page.locator('lifeguard-notice[data-kind="paste"]').count(), 0);
      await page.keyboard.press('Enter');
      assert.equal((await waitFor(async () => stack.sites.sent(HOST).at(-1) ?? null, 'the prompt')).trim(), 'Summarise the parks plan.');
      await page.close();
    });
  });
}

describe('frames without a URL of their own', () => {
  for (const [kind, make] of [
    ['about:blank', 'const f = document.createElement("iframe"); document.body.append(f); f.contentDocument.body.innerHTML = "<div id=ed contenteditable=true style=min-height:40px></div>";'],
    ['srcdoc', 'const f = document.createElement("iframe"); f.srcdoc = "<div id=ed contenteditable=true style=min-height:40px></div>"; document.body.append(f);'],
    ['blob:', 'const f = document.createElement("iframe"); f.src = URL.createObjectURL(new Blob(["<div id=ed contenteditable=true style=min-height:40px></div>"], { type: "text/html" })); document.body.append(f);'],
  ]) {
    test(`an editor in an ${kind} iframe of the AI tool is guarded`, async () => {
      const page = await openChat(stack, 'textarea', { csp: false });
      const before = await stored('paste_blocked');
      await page.evaluate(make);
      const frame = await waitFor(async () => {
        const f = page.frames().find((x) => x !== page.mainFrame());
        return f && (await f.locator('#ed').count()) ? f : null;
      }, 'the frame and its editor');
      await waitFor(async () => frame.evaluate(() => Boolean(/** @type {any} */ (globalThis)[Symbol.for('lifeguard.pasteGuard')]) || document.readyState === 'complete'), 'the frame loaded');
      await page.evaluate((t) => navigator.clipboard.writeText(t), 'Employee Jane Roe, SSN 123-45-6789.');
      await frame.click('#ed');
      await page.keyboard.press('Control+V');
      await notice(page, 'alert').waitFor();
      assert.match(await notice(page, 'alert').innerText(), /Social Security number/);
      assert.doesNotMatch(await frame.locator('#ed').innerText(), SSN);
      // Reported for the tool's host, which the frame's origin is.
      await waitFor(async () => (await stored('paste_blocked')) > before || null, 'the paste_blocked event');
      await page.close();
    });
  }
});

describe('files dropped from the desktop (the browser\'s own drag and drop)', () => {
  test('a dropped text file with an SSN is not uploaded; a clean one is, byte for byte', async () => {
    stack.sites.clearReceived();
    const page = await openChat(stack, 'textarea');
    const bad = path.join(dir, 'staff.csv');
    fs.writeFileSync(bad, 'name,ssn\nJane Roe,123-45-6789\n');
    await realDrop(page, '#dropzone', [bad]);
    const alert = notice(page, 'alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Drop blocked/);
    const good = path.join(dir, 'agenda.txt');
    fs.writeFileSync(good, 'Agenda: parks, library, budget.\n');
    await realDrop(page, '#dropzone', [good]);
    await page.locator('#log').filter({ hasText: 'uploaded agenda.txt' }).waitFor();
    const up = stack.sites.uploads(HOST);
    assert.deepEqual(
      up.map((u) => u.name),
      ['agenda.txt'],
    );
    assert.deepEqual(up[0].bytes, fs.readFileSync(good));
    await page.close();
  });
});

describe('RTF (what Word and WordPad put beside the text)', () => {
  test('text dropped with an RTF flavour holding an SSN is blocked; the plain flavour alone was clean', async () => {
    const page = await openChat(stack, 'textarea');
    const rtf = String.raw`{\rtf1\ansi\deff0{\fonttbl{\f0 Calibri;}}\pard See the record: SSN 123-45-{\b 6789}.\par}`;
    await realDrop(page, '[data-composer]', [], [
      { mimeType: 'text/plain', data: 'See the record.' },
      { mimeType: 'text/rtf', data: rtf },
    ]);
    const alert = notice(page, 'alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Drop blocked: sensitive data found/);
    assert.equal(await page.inputValue('[data-composer]'), '');
    await page.close();
  });
});

describe('file inputs inside shadow roots', () => {
  /**
   * A file input in a shadow root of the given mode whose change listener (inside the root,
   * where `change` never reaches window) uploads the file, as a web component does.
   * @param {import('playwright-core').Page} page
   * @param {'open'|'closed'} mode
   */
  async function shadowUpload(page, mode) {
    await page.evaluate((m) => {
      const host = document.createElement('div');
      host.id = 'uploader';
      document.body.append(host);
      const root = host.attachShadow({ mode: /** @type {ShadowRootMode} */ (m) });
      const input = document.createElement('input');
      input.type = 'file';
      input.id = 'inner-file';
      input.addEventListener('change', async () => {
        for (const f of input.files ?? []) {
          const body = new FormData();
          body.append('file', f, f.name);
          await fetch('/api/upload', { method: 'POST', body });
          document.getElementById('log')?.append(`uploaded ${f.name}\n`);
        }
      });
      root.append(input);
    }, mode);
  }

  /**
   * Chooses a file in the input inside #uploader's shadow root as the file chooser does (CDP
   * DOM.setFileInputFiles: trusted input and change events), closed roots included.
   * @param {import('playwright-core').Page} page
   * @param {string} file
   */
  async function chooseInShadow(page, file) {
    const cdp = await page.context().newCDPSession(page);
    const { root } = await cdp.send('DOM.getDocument', { depth: -1, pierce: true });
    /** @param {any} n @returns {any} */
    const find = (n) => {
      if (n.nodeName === 'INPUT' && (n.attributes ?? []).includes('inner-file')) return n;
      for (const c of [...(n.shadowRoots ?? []), ...(n.children ?? [])]) {
        const f = find(c);
        if (f) return f;
      }
      return null;
    };
    const input = find(root);
    await cdp.send('DOM.setFileInputFiles', { files: [file], backendNodeId: input.backendNodeId });
    await cdp.detach();
  }

  for (const mode of /** @type {const} */ (['open', 'closed'])) {
    test(`a file with an SSN chosen in a ${mode} shadow root is not uploaded; a clean one is`, async () => {
      stack.sites.clearReceived();
      const page = await openChat(stack, 'textarea');
      await shadowUpload(page, mode);
      const bad = path.join(dir, `staff-${mode}.csv`);
      fs.writeFileSync(bad, 'name,ssn\nJane Roe,123-45-6789\n');
      await chooseInShadow(page, bad);
      await notice(page, 'alert').waitFor();
      const good = path.join(dir, `agenda-${mode}.txt`);
      fs.writeFileSync(good, 'Agenda: parks.\n');
      await chooseInShadow(page, good);
      await page.locator('#log').filter({ hasText: `uploaded agenda-${mode}.txt` }).waitFor();
      assert.deepEqual(
        stack.sites.uploads(HOST).map((u) => u.name),
        [`agenda-${mode}.txt`],
      );
      await page.close();
    });
  }
});

describe('events a page script makes up', () => {
  test('a page script pressing "Paste anyway" in the warning does not paste', async () => {
    const page = await openChat(stack, 'textarea', { csp: false });
    await realPaste(page, '[data-composer]', 'Refund to card 4111 1111 1111 1111 please.');
    const dialog = notice(page, 'alertdialog');
    await dialog.waitFor();
    // The notice's shadow root is closed: the page sees the host element and nothing in it.
    assert.equal(await page.evaluate(() => document.querySelector('lifeguard-notice[data-kind="paste"]')?.shadowRoot ?? null), null);
    // Clicks it makes up, on the host or anywhere in the dialog, choose nothing.
    await page.evaluate(() => {
      const host = document.querySelector('lifeguard-notice[data-kind="paste"]');
      host?.click();
      host?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
      for (const el of document.querySelectorAll('*')) if (el.getBoundingClientRect().width) /** @type {HTMLElement} */ (el).click?.();
    });
    assert.equal(await dialog.count(), 1, 'the dialog is still waiting for the user');
    assert.equal(await page.inputValue('[data-composer]'), '');
    await noticeButton(page, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.inputValue('[data-composer]'), '');
    await page.close();
  });

  test('a synthetic paste is not decided or reported as the user\'s', async () => {
    const page = await openChat(stack, 'textarea', { csp: false });
    const before = await stored('paste_blocked');
    // A real one first, so the count below can be trusted to move when the guard reports.
    await realPaste(page, '[data-composer]', 'SSN 123-45-6789');
    await notice(page, 'alert').waitFor();
    await waitFor(async () => (await stored('paste_blocked')) === before + 1 || null, 'the real paste reported');
    await page.evaluate(() => document.querySelector('lifeguard-notice[data-kind="paste"]')?.remove());
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.setData('text/plain', 'SSN 123-45-6789');
      document.querySelector('[data-composer]')?.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    // A synthetic paste has no default action: nothing is inserted, and nothing is said.
    assert.equal(await page.locator('lifeguard-notice[data-kind="paste"]').count(), 0);
    assert.equal(await page.inputValue('[data-composer]'), '');
    // A second real paste is reported after anything the synthetic one would have caused:
    // once it is stored, the count says the synthetic one was not.
    await realPaste(page, '[data-composer]', 'SSN 123-45-6789');
    await notice(page, 'alert').waitFor();
    await waitFor(async () => (await stored('paste_blocked')) >= before + 2 || null, 'the second real paste reported');
    assert.equal(await stored('paste_blocked'), before + 2);
    await page.close();
  });
});
