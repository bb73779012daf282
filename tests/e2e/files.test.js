/**
 * Office files chosen for upload on the City's authorized AI tool (issue 9, files): real PDF,
 * DOCX and XLSX files written by reportlab, python-docx and openpyxl (tests/fixtures/, and
 * lifeguard-extract's own fixtures for encrypted and image files), chosen with
 * setInputFiles. lifeguard-extract reads them (in the service worker under the strict CSP,
 * in the page without it) and lifeguard-core decides. The test is what the fake AI site
 * RECEIVED at /api/upload, and what the server stored (counts, never text).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openChat, startStack } from '../lib/harness.js';
import { ROOT, tempDir, waitFor } from '../lib/util.js';
import { notice, noticeButton } from '../lib/notices.js';

const HOST = 'ai.redondo.org';
const FIXTURES = path.join(ROOT, 'tests', 'fixtures');
const EXTRACT_FIXTURES = path.join(ROOT, 'extract', 'tests', 'fixtures');

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
before(async () => {
  stack = await startStack();
});
after(async () => {
  await stack?.close();
});

/** Names of the files /api/upload received so far. */
function uploaded() {
  return stack.sites.uploads(HOST).map((u) => u.name);
}

/**
 * Chooses a file in the chat page's #upload input.
 * @param {import('playwright-core').Page} page
 * @param {string} file
 */
async function choose(page, file) {
  await page.setInputFiles('#upload', file);
}

for (const [mode, csp] of [
  ['strict CSP: read in the service worker', true],
  ['no CSP: read in the page', false],
]) {
  describe(`office files (${mode})`, () => {
    for (const name of ['staff.pdf', 'staff.docx', 'staff.xlsx']) {
      test(`${name} with an SSN inside is not uploaded`, async () => {
        stack.sites.clearReceived();
        const page = await openChat(stack, 'textarea', { csp });
        await choose(page, path.join(FIXTURES, name));
        const alert = notice(page, 'alert');
        await alert.waitFor();
        assert.match(await alert.innerText(), /File blocked: sensitive data found/);
        assert.match(await alert.innerText(), /Social Security number/);
        assert.equal(await page.evaluate(() => /** @type {HTMLInputElement} */ (document.getElementById('upload')).files?.length), 0);
        // A clean file afterwards arrives: the one above did not, and never will.
        await choose(page, path.join(FIXTURES, 'memo.txt'));
        await page.locator('#log').filter({ hasText: 'uploaded memo.txt' }).waitFor();
        assert.deepEqual(uploaded(), ['memo.txt']);
        await page.close();
      });
    }

    test('clean PDF, DOCX and XLSX files reach the site byte for byte', async () => {
      stack.sites.clearReceived();
      const page = await openChat(stack, 'textarea', { csp });
      for (const name of ['memo.pdf', 'memo.docx', 'memo.xlsx']) {
        await choose(page, path.join(FIXTURES, name));
        await page.locator('#log').filter({ hasText: `uploaded ${name}` }).waitFor();
      }
      const up = stack.sites.uploads(HOST);
      assert.deepEqual(
        up.map((u) => u.name),
        ['memo.pdf', 'memo.docx', 'memo.xlsx'],
      );
      for (const u of up) assert.deepEqual(u.bytes, fs.readFileSync(path.join(FIXTURES, u.name)));
      assert.equal(await page.locator('lifeguard-notice[data-kind="paste"]').count(), 0);
      await page.close();
    });
  });
}

describe('text files too large to read at once (over 32 MiB: read in chunks)', () => {
  /**
   * A ~40 MB CSV of staff notes; `last` ends it (after the last chunk boundary).
   * @param {string} name
   * @param {string} last
   */
  function bigCsv(name, last) {
    const file = path.join(tempDir('lifeguard-big-'), name);
    const row = 'row,the parks committee reviewed the library budget and the summer concert series\n';
    const block = row.repeat(10_000);
    const fd = fs.openSync(file, 'w');
    for (let i = 0; i < Math.ceil(40e6 / block.length); i++) fs.writeSync(fd, block);
    fs.writeSync(fd, last);
    fs.closeSync(fd);
    return file;
  }

  test('an SSN at the end of a 40 MB CSV blocks it; a clean 40 MB CSV arrives byte for byte', async () => {
    stack.sites.clearReceived();
    const page = await openChat(stack, 'textarea');
    await choose(page, bigCsv('staff-big.csv', 'last,Jane Roe 123-45-6789\n'));
    const alert = notice(page, 'alert');
    await alert.waitFor({ timeout: 120_000 });
    assert.match(await alert.innerText(), /File blocked: sensitive data found/);
    const clean = bigCsv('notes-big.csv', 'last,nothing else\n');
    await choose(page, clean);
    await page.locator('#log').filter({ hasText: 'uploaded notes-big.csv' }).waitFor({ timeout: 120_000 });
    const up = stack.sites.uploads(HOST);
    assert.deepEqual(
      up.map((u) => u.name),
      ['notes-big.csv'],
    );
    assert.ok(up[0].bytes.equals(fs.readFileSync(clean)), 'the clean file arrives unchanged');
    await page.close();
  });

  test('a 40 MB CSV with an e-mail address in its last chunk is uploaded with the placeholder there', async () => {
    stack.sites.clearReceived();
    const page = await openChat(stack, 'textarea', { csp: false });
    const file = bigCsv('contacts-big.csv', 'last,write to bob.smith@example.com\n');
    await choose(page, file);
    await page.locator('#log').filter({ hasText: 'uploaded contacts-big.csv' }).waitFor({ timeout: 120_000 });
    const [up] = stack.sites.uploads(HOST);
    const original = fs.readFileSync(file);
    const tail = Buffer.from('last,write to [EMAIL]\n');
    assert.equal(up.bytes.length, original.length - 'last,write to bob.smith@example.com\n'.length + tail.length);
    assert.ok(up.bytes.subarray(up.bytes.length - tail.length).equals(tail), 'the address is replaced');
    assert.ok(up.bytes.subarray(0, 1_000_000).equals(original.subarray(0, 1_000_000)), 'the rest is unchanged');
    await page.close();
  });
});

describe('files that cannot be read (the policy\'s unreadable_files rule: warn)', () => {
  test('an encrypted PDF warns; Cancel uploads nothing, "Upload anyway" uploads it unchanged and is reported', async () => {
    stack.sites.clearReceived();
    const page = await openChat(stack, 'textarea');
    const file = path.join(EXTRACT_FIXTURES, 'encrypted.pdf');
    const dialog = notice(page, 'alertdialog');
    await choose(page, file);
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /This file could not be checked/);
    assert.match(await dialog.innerText(), /could not read this file/);
    await noticeButton(page, 'Cancel').click();
    await dialog.waitFor({ state: 'detached' });

    await choose(page, file);
    await noticeButton(page, 'Upload anyway').click();
    await page.locator('#log').filter({ hasText: 'uploaded encrypted.pdf' }).waitFor();
    const up = stack.sites.uploads(HOST);
    assert.deepEqual(
      up.map((u) => u.name),
      ['encrypted.pdf'],
    );
    assert.deepEqual(up[0].bytes, fs.readFileSync(file));
    const events = await waitFor(async () => {
      const e = await stack.server.events({ kind: 'paste_proceeded', host: HOST });
      return e.find((x) => x.rule === 'warn-unreadable-files') ?? null;
    }, 'the proceed after the warning');
    assert.deepEqual(events.detectors, {});
    await page.close();
  });

  test('an image is unreadable too: "Upload with the data removed" leaves it out', async () => {
    stack.sites.clearReceived();
    const page = await openChat(stack, 'textarea');
    await choose(page, path.join(EXTRACT_FIXTURES, 'image.png'));
    await noticeButton(page, 'Upload with the data removed').click();
    await notice(page, 'alertdialog').waitFor({ state: 'detached' });
    await choose(page, path.join(FIXTURES, 'memo.txt'));
    await page.locator('#log').filter({ hasText: 'uploaded memo.txt' }).waitFor();
    assert.deepEqual(uploaded(), ['memo.txt']);
    await page.close();
  });
});
