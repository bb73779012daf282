/**
 * What the typing guard costs per keystroke on a 20 KB composer, in real Chromium with the
 * real editors, reported (stdout and tests/artifacts/typing-measurements.json), never
 * asserted: these machines are shared and noisy (DESIGN.md, "Targets").
 *
 * The guard records its own timings with the browser's performance clock when the page's
 * root element carries `data-lifeguard-measure` (typing-guard.js): `lifeguard:typing-input`
 * around every edit handler (what each keystroke pays, synchronously), `lifeguard:typing-read`
 * reading the composer's text, and `lifeguard:typing-scan` the scan once the user pauses
 * (in the page: on the main thread; through the service worker: the round trip, during
 * which the page runs on).
 */
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openChat, realPaste, startStack } from '../lib/harness.js';
import { ROOT, waitFor } from '../lib/util.js';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let stack;
/** @type {Record<string, unknown>} */
const results = {};

before(async () => {
  stack = await startStack();
  await stack.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: 'https://ai.redondo.org' });
});
after(async () => {
  await stack?.close();
  const dir = path.join(ROOT, 'tests', 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'typing-measurements.json'), JSON.stringify(results, null, 2));
  console.log(`typing measurements: ${JSON.stringify(results, null, 2)}`);
});

/** About 20 KB of ordinary English in lines, with numbers that are not identifiers. */
function twentyKb() {
  const s = 'The parks committee met on Tuesday at 6 pm to review 14 proposals for the summer programme; the library asked for 3 more volunteers.\n';
  return s.repeat(Math.ceil(20_000 / s.length)).slice(0, 20_000);
}

/** @param {number[]} xs @param {number} q */
function quantile(xs, q) {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(q * s.length))].toFixed(3));
}

const TYPED = ' Please summarise the proposals for the council.';

for (const editor of ['textarea', 'prosemirror', 'lexical', 'codemirror']) {
  for (const csp of [true, false]) {
    const label = `${editor}_${csp ? 'service_worker' : 'in_page'}`;
    test(`typing into a 20 KB ${editor} composer (${csp ? 'strict CSP: service worker' : 'no CSP: engine in the page'})`, async () => {
      const page = await openChat(stack, editor, { csp });
      await page.evaluate(() => document.documentElement.setAttribute('data-lifeguard-measure', ''));
      await realPaste(page, '[data-composer]', twentyKb());
      // The check of the pasted text (CodeMirror renders only the lines in view, so the DOM,
      // which is all the guard can read, holds less of the text there: composer_chars).
      await waitFor(async () => (await page.evaluate(() => performance.getEntriesByName('lifeguard:typing-scan').some((e) => /** @type {any} */ (e).detail.chars > 1000))), 'the check of the pasted text');
      await page.evaluate(() => performance.clearMeasures());
      await page.keyboard.press('Control+End');
      // Keystrokes with the user's pauses shorter than the debounce: one check at the end.
      const t0 = Date.now();
      await page.keyboard.type(TYPED);
      const typingMs = Date.now() - t0;
      await waitFor(async () => (await page.evaluate(() => performance.getEntriesByName('lifeguard:typing-scan').length)) > 0, 'the check after typing');
      const got = await page.evaluate(() => {
        const d = (/** @type {string} */ n) => performance.getEntriesByName(n).map((e) => e.duration);
        const chars = performance.getEntriesByName('lifeguard:typing-read').map((e) => /** @type {any} */ (e).detail.chars);
        return { input: d('lifeguard:typing-input'), read: d('lifeguard:typing-read'), scan: d('lifeguard:typing-scan'), chars };
      });
      const keystrokes = TYPED.length;
      results[label] = {
        composer_chars: got.chars.at(-1) ?? null,
        keystrokes,
        handler_calls_per_keystroke: Number((got.input.length / keystrokes).toFixed(2)),
        input_handler_ms_median: quantile(got.input, 0.5),
        input_handler_ms_p95: quantile(got.input, 0.95),
        input_handler_ms_max: quantile(got.input, 1),
        input_handler_ms_per_keystroke: Number((got.input.reduce((a, b) => a + b, 0) / keystrokes).toFixed(4)),
        checks_while_typing: got.scan.length,
        read_text_ms: quantile(got.read, 0.5),
        scan_ms: quantile(got.scan, 0.5),
        playwright_typing_ms: typingMs,
      };
      await page.close();
    });
  }
}
