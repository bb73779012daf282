/**
 * Pastes, drops and uploads on an AI site where the policy inspects them (the City's
 * authorized enterprise AI, ai.redondo.org), end to end: real clipboard pastes (Control+V),
 * in a textarea and in a contenteditable editor, on a page with a strict CSP (the engine
 * cannot run in the page; the service worker decides) and on one without (the engine runs
 * in the content script). Each test checks what the page holds, what the user is told, and
 * what the server stored: detector counts, never the text.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dropFile, realPaste, startStack } from '../lib/harness.js';
import { tempDir, waitFor } from '../lib/util.js';
import { notice, noticeButton } from '../lib/notices.js';

const SSN_TEXT = 'Employee Jane Roe, SSN 123-45-6789, start date Monday.';
const CARD_TEXT = 'Refund to card 4111 1111 1111 1111 please.';
const EMAIL_TEXT = 'Ask bob.smith@example.com for the agenda.';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
before(async () => {
  stack = await startStack();
  await stack.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: 'https://ai.redondo.org' });
});
after(async () => {
  await stack?.close();
});

/** @param {string} url */
async function open(url) {
  const page = await stack.browser.context.newPage();
  await page.goto(url);
  // The guard is ready once it has shown the tool's public-records notice.
  await notice(page, 'note', { name: 'Public records notice' }).waitFor();
  return page;
}

/** The server's events of a kind, once at least `n` arrived. */
async function eventsOf(/** @type {string} */ kind, n = 1) {
  return waitFor(async () => {
    const e = await stack.server.events({ kind, host: 'ai.redondo.org' });
    return e.length >= n ? e : null;
  }, `${n} ${kind} events`);
}

for (const [mode, url] of [
  ['strict CSP: decided by the service worker', 'https://ai.redondo.org/'],
  ['no CSP: decided in the page', 'https://ai.redondo.org/?nocsp'],
]) {
  describe(`pastes (${mode})`, () => {
    test('an SSN pasted into a textarea is blocked: nothing inserted, the user told why', async () => {
      const page = await open(url);
      await realPaste(page, '#ta', SSN_TEXT);
      const alert = notice(page, 'alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /Paste blocked: sensitive data found/);
      assert.match(await alert.innerText(), /Social Security number/);
      assert.match(await alert.innerText(), /APP 04\.05 §I Purpose/);
      assert.equal(await page.inputValue('#ta'), '');
      await page.close();
    });

    test('an SSN spelled as Word and PDFs spell it (no-break spaces, non-breaking hyphens, full-width digits) is blocked', async () => {
      for (const ssn of ['123\u00a045\u00a06789', '123\u201145\u20116789', '\uff11\uff12\uff13-\uff14\uff15-\uff16\uff17\uff18\uff19', '123-4\u200b5-6789']) {
        const page = await open(url);
        await realPaste(page, '#ta', `Employee Jane Roe, SSN ${ssn}, start date Monday.`);
        await notice(page, 'alert').waitFor();
        assert.match(await notice(page, 'alert').innerText(), /Social Security number/, JSON.stringify(ssn));
        assert.equal(await page.inputValue('#ta'), '', `nothing of ${JSON.stringify(ssn)} reaches the page`);
        await page.close();
      }
    });

    test('an SSN pasted into a contenteditable editor is blocked', async () => {
      const page = await open(url);
      await realPaste(page, '#ce', SSN_TEXT);
      await notice(page, 'alert').waitFor();
      assert.equal((await page.locator('#ce').innerText()).trim(), '');
      await page.close();
    });

    test('clean text is pasted normally, in both kinds of field', async () => {
      const page = await open(url);
      await realPaste(page, '#ta', 'Draft a friendly reminder about the library book sale.');
      await waitFor(async () => (await page.inputValue('#ta')) === 'Draft a friendly reminder about the library book sale.', 'the textarea text');
      await realPaste(page, '#ce', 'Summarise the parks plan.');
      await waitFor(async () => (await page.locator('#ce').innerText()).trim() === 'Summarise the parks plan.', 'the editor text');
      assert.equal(await page.locator('lifeguard-notice[data-kind="paste"]').count(), 0);
      await page.close();
    });

    test('an e-mail address is redacted to a placeholder', async () => {
      const page = await open(url);
      await realPaste(page, '#ta', EMAIL_TEXT);
      await waitFor(async () => (await page.inputValue('#ta')) === 'Ask [EMAIL] for the agenda.', 'the redacted text');
      await notice(page, 'status', { hasText: 'replaced with placeholders' }).waitFor();
      await realPaste(page, '#ce', EMAIL_TEXT);
      await waitFor(async () => (await page.locator('#ce').innerText()).trim() === 'Ask [EMAIL] for the agenda.', 'the redacted editor text');
      await page.close();
    });

    test('a card number warns: remove the data, paste anyway, or cancel', async () => {
      const page = await open(url);
      const dialog = notice(page, 'alertdialog');
      await realPaste(page, '#ta', CARD_TEXT);
      await dialog.waitFor();
      assert.match(await dialog.innerText(), /payment card number/);
      assert.equal(await page.inputValue('#ta'), '', 'nothing is inserted before the user decides');
      await noticeButton(page, 'Cancel').click();
      await dialog.waitFor({ state: 'detached' });
      assert.equal(await page.inputValue('#ta'), '');

      await realPaste(page, '#ta', CARD_TEXT);
      await noticeButton(page, 'Paste with the data removed').click();
      await waitFor(async () => (await page.inputValue('#ta')) === 'Refund to card [CARD] please.', 'the redacted text');

      await page.fill('#ta', '');
      await realPaste(page, '#ce', CARD_TEXT);
      await noticeButton(page, 'Paste anyway').click();
      await waitFor(async () => (await page.locator('#ce').innerText()).trim() === CARD_TEXT, 'the original text');
      await page.close();
    });

    test('a dropped text file with PII is not added; a clean one is', async () => {
      const page = await open(url);
      await dropFile(page, '#drop', 'staff.txt', `Name: Jane Roe\n${SSN_TEXT}\n`);
      const alert = notice(page, 'alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /Drop blocked/);
      assert.match(await alert.innerText(), /Social Security number/);
      assert.equal(await page.locator('#dropped').textContent(), '');
      await dropFile(page, '#drop', 'notes.txt', 'Agenda: parks, library, budget.');
      await waitFor(async () => (await page.locator('#dropped').textContent()) === 'Agenda: parks, library, budget.', 'the clean file in the page');
      await page.close();
    });

    test('a text file chosen for upload with PII is refused; a clean one goes through', async () => {
      const page = await open(url);
      // Files from disk, as the file chooser gives them: Playwright sets in-memory buffers
      // with a page script (untrusted events the guard leaves alone), paths as the browser does.
      const dir = tempDir('lifeguard-files-');
      fs.writeFileSync(path.join(dir, 'staff.csv'), `name,ssn\nJane Roe,123-45-6789\n`);
      fs.writeFileSync(path.join(dir, 'agenda.txt'), 'Agenda: parks.');
      await page.setInputFiles('#file', path.join(dir, 'staff.csv'));
      await notice(page, 'alert').waitFor();
      assert.equal(await page.locator('#chosen').textContent(), '');
      assert.equal(await page.evaluate(() => /** @type {HTMLInputElement} */ (document.getElementById('file')).files?.length), 0);
      await page.setInputFiles('#file', path.join(dir, 'agenda.txt'));
      await waitFor(async () => (await page.locator('#chosen').textContent()) === 'Agenda: parks.', 'the clean file in the page');
      await page.close();
    });
  });
}

describe('pilots (APP 04.05 §IV.7)', () => {
  test('on a pilot site only public data may be pasted, once the pilot is published', async () => {
    await stack.server.admin('PUT', '/v1/admin/draft/pilots/e2e-newai-pilot', {
      id: 'e2e-newai-pilot',
      name: 'NewAI pilot',
      hosts: ['newai.example'],
      departments: ['planning'],
      approved_by: 'it.director@redondo.org',
      expires_at: '2099-12-31',
    });
    await stack.server.admin('POST', '/v1/admin/publish', { note: 'NewAI pilot for planning' });
    assert.equal((await stack.browser.syncNow()).text, 'New policy installed.');
    await stack.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: 'https://newai.example' });
    const page = await stack.browser.context.newPage();
    // The guard is registered on the pilot's host by the new policy, without a restart.
    await page.goto('https://newai.example/?nocsp');
    await realPaste(page, '#ta', 'Summarise the public agenda.');
    await waitFor(async () => (await page.inputValue('#ta')) === 'Summarise the public agenda.', 'public text pasted');
    // An e-mail address, merely redacted elsewhere, is not public data: blocked here.
    await realPaste(page, '#ta', EMAIL_TEXT);
    const alert = notice(page, 'alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /e-mail address/);
    assert.equal(await page.inputValue('#ta'), 'Summarise the public agenda.');
    await page.close();
    const events = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'paste_blocked', host: 'newai.example' });
      return e.length ? e : null;
    }, 'the pilot paste event');
    assert.equal(events[0].rule, 'e2e-newai-pilot');
    assert.deepEqual(events[0].detectors, { email: 1 });
  });
});

describe('injection', () => {
  test('the guard injected twice decides a paste once', async () => {
    const page = await open('https://ai.redondo.org/?nocsp');
    const worker = await stack.browser.serviceWorker();
    await worker.evaluate(async () => {
      const [tab] = await chrome.tabs.query({ url: 'https://ai.redondo.org/*' });
      await chrome.scripting.executeScript({ target: { tabId: /** @type {number} */ (tab.id) }, files: ['content/loader.js'] });
    });
    await realPaste(page, '#ta', SSN_TEXT);
    await notice(page, 'alert').waitFor();
    assert.equal(await notice(page, 'alert').count(), 1);
    assert.equal(await page.inputValue('#ta'), '');
    await page.close();
  });
});

describe('what the server stored', () => {
  test('paste events carry detector counts and never the text', async () => {
    // Two modes × (textarea + 4 Unicode spellings + editor + drop + file), and the double
    // injection: blocked.
    const blocked = await eventsOf('paste_blocked', 17);
    assert.equal(blocked.length, 17);
    for (const e of blocked) {
      assert.deepEqual(e.detectors, { us_ssn: 1 });
      assert.equal(e.rule, 'block-critical-data');
      assert.equal(e.action, 'block');
      assert.equal(e.incident, true);
    }
    const redacted = await eventsOf('paste_redacted', 6);
    assert.ok(redacted.some((e) => e.action === 'redact' && e.detectors.email === 1));
    assert.ok(redacted.some((e) => e.action === 'warn' && e.detectors.credit_card === 1));
    assert.equal((await eventsOf('paste_cancelled', 2)).length, 2);
    const proceeded = await eventsOf('paste_proceeded', 2);
    assert.deepEqual(proceeded[0].detectors, { credit_card: 1 });
    const all = JSON.stringify(await stack.server.events({ host: 'ai.redondo.org' }));
    for (const secret of ['123-45-6789', '4111', 'bob.smith', 'Jane']) assert.ok(!all.includes(secret), `the server stored ${secret}`);
  });
});
