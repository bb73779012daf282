/**
 * The typing guard, end to end, in the fake chat site's six composers (ProseMirror, Quill,
 * Lexical, CodeMirror 6, a textarea, a plain contenteditable; real libraries from npm) on
 * the City's authorized AI tool: text typed on the real keyboard, then Enter or the Send
 * button. The test is what the site's /api/send RECEIVED and what the server stored
 * (detector counts, never the text). Under the strict CSP (the default) the service worker
 * decides; with ?nocsp the engine runs in the page; both are tried.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { composer, openChat, startStack, sentPrompts as sentPromptsOf } from '../lib/harness.js';
import { CHAT_EDITORS } from '../lib/sites.js';
import { waitFor } from '../lib/util.js';
import { notice, noticeButton } from '../lib/notices.js';

const HOST = 'ai.redondo.org';
const SSN = 'SSN 123-45-6789';
const CARD = 'card 4111 1111 1111 1111';
const CLEAN = 'Draft a friendly reminder about the library book sale.';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

/** The prompts the site received, once there are `n`. */
const sentPrompts = (n = 1) => sentPromptsOf(stack, HOST, n);

/** The server's events of a kind on the AI host, once there are more than `before`. */
async function eventsAfter(/** @type {string} */ kind, /** @type {number} */ before) {
  return waitFor(async () => {
    const e = await stack.server.events({ kind, host: HOST });
    return e.length > before ? e.slice(before) : null;
  }, `a new ${kind} event`);
}

async function countOf(/** @type {string} */ kind) {
  return (await stack.server.events({ kind, host: HOST })).length;
}

/** @param {import('playwright-core').Page} page */
const typingNotice = (page) => page.locator('lifeguard-notice[data-kind="typing"]');

/** @param {any[]} events */
function assertNoText(events) {
  for (const e of events) {
    // The event's own id is a random UUID, which can hold `4111` or `6789` by chance (it did:
    // 7dae4e9c-c630-4111-…); every other field is checked.
    const { id: _, ...fields } = e;
    const s = JSON.stringify(fields);
    assert.doesNotMatch(s, /6789|4111|1111 1111/, `no typed data in ${s}`);
  }
}

/** @param {{editor: string, csp: boolean}} opts */
function typingCases({ editor, csp }) {
  const open = () => openChat(stack, editor, { csp });

  test('an SSN typed and sent with Enter is held (notice, send_blocked); the Send button is held too; once it is deleted the text is sent', async () => {
    stack.sites.clearReceived();
    const before = await countOf('send_blocked');
    const page = await open();
    await composer(page).click();
    await page.keyboard.type(SSN);
    await page.keyboard.press('Enter');
    const held = notice(page, 'alert', { hasText: 'Not sent' });
    await held.waitFor();
    assert.match(await held.innerText(), /Social Security number/);
    const events = await eventsAfter('send_blocked', before);
    assert.deepEqual(events[0].detectors, { us_ssn: 1 });
    assert.equal(events[0].action, 'block');
    assertNoText(events);

    await page.click('#send');
    // The composer still holds it: nothing left the page.
    assert.match(await composer(page).evaluate((el) => ('value' in el ? String(el.value) : /** @type {HTMLElement} */ (el).innerText)), /123-45-6789/);

    // Delete the number (11 characters) and finish the sentence.
    await composer(page).click();
    await page.keyboard.press('End');
    for (let i = 0; i < 11; i++) await page.keyboard.press('Backspace');
    await page.keyboard.type('is on file');
    await page.keyboard.press('Enter');
    assert.deepEqual(await sentPrompts(1), ['SSN is on file']);
    await page.locator('#log').filter({ hasText: 'sent 1' }).waitFor();
    await typingNotice(page).waitFor({ state: 'detached' });
    assert.deepEqual(stack.sites.sent(HOST), ['SSN is on file'], 'neither the held Enter nor the held click reached the site');
    await page.close();
  });

  test('a card number warns before sending: Cancel sends nothing, "Send anyway" sends it exactly once (send_proceeded)', async () => {
    stack.sites.clearReceived();
    const cancelled = await countOf('send_cancelled');
    const proceeded = await countOf('send_proceeded');
    const page = await open();
    await composer(page).click();
    await page.keyboard.type(CARD);
    // Once the user pauses, before any send, the inline notice names the data (and this
    // time the send below finds the text already decided).
    const inline = notice(page, 'status', { hasText: 'payment card number' });
    await inline.waitFor();
    assert.match(await inline.innerText(), /may contain sensitive data/);
    await page.keyboard.press('Enter');
    const dialog = notice(page, 'alertdialog');
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /payment card number/);
    await noticeButton(page, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });
    const c = await eventsAfter('send_cancelled', cancelled);
    assert.deepEqual(c[0].detectors, { credit_card: 1 });

    // The Send button asks too; this time the user goes on.
    await page.click('#send');
    await dialog.waitFor();
    await noticeButton(page, 'Send anyway').click();
    assert.deepEqual(await sentPrompts(1), [CARD]);
    await page.locator('#log').filter({ hasText: 'sent 1' }).waitFor();
    const p = await eventsAfter('send_proceeded', proceeded);
    assert.deepEqual(p[0].detectors, { credit_card: 1 });
    assertNoText([...c, ...p]);
    // Typed again, it is asked about again: the choice was for that message only.
    await composer(page).click();
    await page.keyboard.type(CARD);
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await noticeButton(page, 'Cancel').click();
    assert.deepEqual(stack.sites.sent(HOST), [CARD], 'sent exactly once');
    await page.close();
  });

  test('clean typed text is sent unchanged, with Enter and with the Send button, and no notice', async () => {
    stack.sites.clearReceived();
    const page = await open();
    await composer(page).click();
    await page.keyboard.type(CLEAN);
    await page.keyboard.press('Enter');
    assert.deepEqual(await sentPrompts(1), [CLEAN]);
    await page.locator('#log').filter({ hasText: 'sent 1' }).waitFor();
    await composer(page).click();
    await page.keyboard.type('Summarise the parks plan.');
    await page.click('#send');
    assert.deepEqual(await sentPrompts(2), [CLEAN, 'Summarise the parks plan.']);
    await page.locator('#log').filter({ hasText: 'sent 2' }).waitFor();
    assert.equal(await typingNotice(page).count(), 0);
    assert.equal(await notice(page, 'alertdialog').count(), 0);
    await page.close();
  });
}

describe('typing guard (strict CSP: the service worker decides)', () => {
  for (const editor of CHAT_EDITORS) describe(editor, () => typingCases({ editor, csp: true }));
});

describe('typing guard (no CSP: the engine runs in the page)', () => {
  for (const editor of ['textarea', 'prosemirror']) describe(editor, () => typingCases({ editor, csp: false }));
});
