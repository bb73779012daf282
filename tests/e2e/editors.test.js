/**
 * The fake chat site with real editors (ProseMirror, Quill, Lexical, CodeMirror 6, a
 * textarea and a plain contenteditable, bundled from npm) together with the paste guard, on
 * the City's authorized AI tool under its strict CSP (the service worker decides): what the
 * site's /api/send endpoint RECEIVED is the test. Clean text pasted for real (Control+V) or
 * typed reaches the site unchanged; a pasted SSN never does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { composer, openChat, realPaste, startStack, sentPrompts as sentPromptsOf } from '../lib/harness.js';
import { CHAT_EDITORS } from '../lib/sites.js';
import { waitFor } from '../lib/util.js';
import { notice } from '../lib/notices.js';

const HOST = 'ai.redondo.org';
const CLEAN = 'Draft a friendly reminder about the library book sale.';
const SSN_TEXT = 'Employee Jane Roe, SSN 123-45-6789.';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
before(async () => {
  stack = await startStack();
  await stack.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `https://${HOST}` });
});
after(async () => {
  await stack?.close();
});

/** The prompts the site received, once there are `n`. */
const sentPrompts = (n = 1) => sentPromptsOf(stack, HOST, n);

describe('chat site with real editors (strict CSP)', () => {
  for (const editor of CHAT_EDITORS) {
    describe(editor, () => {
      test('clean text pasted with Control+V and sent with the Send button arrives unchanged', async () => {
        stack.sites.clearReceived();
        const page = await openChat(stack, editor);
        await realPaste(page, '[data-composer]', CLEAN);
        await waitFor(async () => (await composer(page).innerText()).includes(CLEAN) || (await composer(page).evaluate((el) => ('value' in el ? el.value : ''))) === CLEAN, 'the pasted text in the composer');
        await page.click('#send');
        assert.deepEqual(await sentPrompts(1), [CLEAN]);
        await page.locator('#log').filter({ hasText: 'sent 1' }).waitFor();
        await page.close();
      });

      test('a pasted SSN is blocked, and nothing with it reaches /api/send', async () => {
        stack.sites.clearReceived();
        const page = await openChat(stack, editor);
        await realPaste(page, '[data-composer]', SSN_TEXT);
        const alert = notice(page, 'alert');
        await alert.waitFor();
        assert.match(await alert.innerText(), /Social Security number/);
        await page.click('#send');
        // Then a clean prompt, so the test waits for something that does arrive.
        await page.locator('[data-composer]').click();
        await page.keyboard.type('Summarise the parks plan.');
        await page.keyboard.press('Enter');
        const sent = await sentPrompts(1);
        assert.equal(sent.at(-1), 'Summarise the parks plan.');
        for (const prompt of sent) {
          assert.doesNotMatch(prompt, /123-45-6789/);
          assert.doesNotMatch(prompt.replace(/[\s.-]/g, ''), /\d{9}/);
          assert.doesNotMatch(prompt, /\d{3}\D{0,3}\d{2}\D{0,3}\d{4}/);
        }
        await page.close();
      });

      test('clean text typed on the keyboard and sent with Enter arrives unchanged', async () => {
        stack.sites.clearReceived();
        const page = await openChat(stack, editor);
        await composer(page).click();
        await page.keyboard.type(CLEAN);
        await page.keyboard.press('Enter');
        assert.deepEqual(await sentPrompts(1), [CLEAN]);
        await page.locator('#log').filter({ hasText: 'sent 1' }).waitFor();
        assert.equal((await composer(page).innerText()).trim() + (await composer(page).evaluate((el) => ('value' in el ? el.value : ''))), '', 'the composer is cleared');
        await page.close();
      });
    });
  }

  test('a clean file chosen in #upload reaches /api/upload as multipart "file", bytes unchanged', async () => {
    stack.sites.clearReceived();
    const page = await openChat(stack, 'textarea');
    const bytes = Buffer.from('Agenda: parks, library, budget.\n');
    await page.setInputFiles('#upload', { name: 'agenda.txt', mimeType: 'text/plain', buffer: bytes });
    await page.locator('#log').filter({ hasText: 'uploaded agenda.txt' }).waitFor();
    const up = stack.sites.uploads(HOST);
    assert.equal(up.length, 1);
    assert.equal(up[0].name, 'agenda.txt');
    assert.match(up[0].type, /^text\/plain/);
    assert.deepEqual(up[0].bytes, bytes);
    await page.close();
  });
});
