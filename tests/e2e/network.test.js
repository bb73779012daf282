/**
 * The network line (issue 9, item 4): with the CRX force-installed by policy, as IT deploys
 * it, Chrome grants webRequestBlocking, and the service worker inspects what pages on
 * inspected hosts send. A page script that posts an SSN past the paste guard (fetch from
 * page.evaluate: no paste, no typing) is cancelled before anything leaves the browser: the
 * AI site receives nothing, the page's fetch fails, the tab shows a notice and the server
 * gets a request_blocked report with counts only. Clean requests arrive byte for byte. An
 * unpacked load (the other tests' browser) is not granted the permission, and the popup and
 * the server's device list say the network check is off.
 *
 * Prints (never asserts) what the check adds per request: N sequential fetches with a 2 KB
 * JSON body, timed in the page with and without it, and the worker's own time per body.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Browser, extensionId, removeManagedPolicy, stopServiceWorkers, writeManagedPolicy } from '../lib/browser.js';
import { startForceInstalled } from '../lib/harness.js';
import { LifeguardServer } from '../lib/server.js';
import { FakeSites, SERVER_HOST } from '../lib/sites.js';
import { waitFor } from '../lib/util.js';
import { notice } from '../lib/notices.js';

const id = extensionId();
const HOST = 'ai.redondo.org';
const SSN = 'SSN 123-45-6789';
/** Requests per benchmark run. */
const BENCH_N = 200;

/** @type {LifeguardServer} */
let server;
/** @type {FakeSites} */
let sites;
/** @type {import('playwright-core').BrowserContext} */
let context;
/** Benchmark lines, printed at the end. @type {string[]} */
const bench = [];
/** @type {Awaited<ReturnType<typeof startForceInstalled>>} */
let stack;

before(async () => {
  // Devices' sightings reach the database every second instead of every minute.
  process.env.LIFEGUARD_DEVICE_FLUSH_SECONDS = '1';
  stack = await startForceInstalled({ department: 'finance' });
  ({ server, sites, context } = stack);
  await stack.firstSync();
});

after(async () => {
  await stack?.close();
  if (bench.length) {
    console.log(`network check, ${BENCH_N} sequential fetches from the page, ms per request:`);
    for (const line of bench.sort()) console.log(`  ${line}`);
  }
});

/**
 * The service worker's status, as the popup reads it.
 * @param {import('playwright-core').BrowserContext} ctx
 */
async function status(ctx) {
  const page = await ctx.newPage();
  try {
    await page.goto(`chrome-extension://${id}/pages/popup/popup.html`);
    return (await page.evaluate(() => chrome.runtime.sendMessage({ type: 'status' }))).status;
  } finally {
    await page.close();
  }
}

/**
 * The popup as a user sees it: its "Network check" line and the explanation under it.
 * @param {import('playwright-core').BrowserContext} ctx
 */
async function popupNetwork(ctx) {
  const page = await ctx.newPage();
  try {
    await page.goto(`chrome-extension://${id}/pages/popup/popup.html`);
    await page.locator('#network').filter({ hasText: /^(on|off)$/ }).waitFor();
    const why = page.locator('#network-why');
    return { value: await page.locator('#network').textContent(), why: (await why.isVisible()) ? await why.textContent() : null };
  } finally {
    await page.close();
  }
}

/**
 * The device list as the console reads it: this test's device (its token's subject).
 * @returns {Promise<{device: string, network_guard: boolean|null}|undefined>}
 */
async function device() {
  const list = await server.admin('GET', '/v1/admin/devices?stale_days=0');
  return list.devices.find((/** @type {{device: string}} */ d) => d.device === 'e2e-device');
}

/**
 * Opens the chat page with its guard ready (the public-records notice is shown).
 * @param {import('playwright-core').BrowserContext} ctx
 * @param {string} [url]
 */
async function chatPage(ctx, url = `https://${HOST}/chat/textarea`) {
  const page = await ctx.newPage();
  await page.goto(url);
  if (new URL(url).hostname === HOST) await notice(page, 'note', { name: 'Public records notice' }).waitFor();
  return page;
}

/**
 * Posts from the page's own script, past every DOM guard; resolves with the HTTP status, or
 * with the error the fetch failed with.
 * @param {import('playwright-core').Page} page
 * @param {string} url
 * @param {{kind: 'json'|'form'|'text'|'multipart'|'escaped-json', data: any, mode?: RequestMode}} body
 */
function post(page, url, body) {
  return page.evaluate(async ({ url, body }) => {
    /** @type {RequestInit} */
    const init = { method: 'POST', mode: body.mode ?? 'cors' };
    if (body.kind === 'json') {
      init.headers = { 'content-type': 'application/json' };
      init.body = JSON.stringify(body.data);
    } else if (body.kind === 'escaped-json') {
      init.headers = { 'content-type': 'application/json' };
      init.body = body.data;
    } else if (body.kind === 'form') {
      init.body = new URLSearchParams(body.data);
    } else if (body.kind === 'text') {
      init.body = body.data;
    } else {
      const fd = new FormData();
      fd.append('prompt', body.data.prompt);
      fd.append('file', new File([body.data.file], 'notes.txt', { type: 'text/plain' }));
      init.body = fd;
    }
    try {
      const res = await fetch(url, init);
      return { status: res.status };
    } catch (e) {
      return { error: String(e) };
    }
  }, { url, body });
}

/** What the AI site received on `/api/send`, as text. */
function receivedBodies() {
  return sites.received.filter((r) => r.host === HOST && r.path === '/api/send').map((r) => r.body.toString('utf8'));
}

/**
 * Times `n` sequential fetches from the page: POSTs of a clean 2 KB JSON body to the chat
 * site's API, or (`get`) plain GETs, which every page makes and the listener sees too.
 * @param {import('playwright-core').Page} page
 * @param {number} n
 * @param {string} label
 * @param {{get?: boolean}} [opts]
 */
async function timeRequests(page, n, label, { get = false } = {}) {
  const times = await page.evaluate(
    async ({ n, get }) => {
      const words = 'the council agenda for tuesday covers parks budget road repairs and library hours ';
      const body = JSON.stringify({ prompt: words.repeat(30).slice(0, 2040) });
      /** @type {number[]} */
      const out = [];
      for (let i = 0; i < n + 10; i++) {
        const t = performance.now();
        const res = get ? await fetch(`/bench?${i}`) : await fetch('/api/send', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.text();
        if (i >= 10) out.push(performance.now() - t); // the first ten warm up
      }
      return out;
    },
    { n, get },
  );
  times.sort((a, b) => a - b);
  const [median, p90] = [times[Math.floor(times.length / 2)], times[Math.floor(times.length * 0.9)]];
  bench.push(`${label.padEnd(62)} median ${median.toFixed(2)}  p90 ${p90.toFixed(2)}`);
}

test('installed by policy, the network check is on: the popup says so and the server lists the device with it on', async () => {
  const s = await status(context);
  assert.equal(s.networkGuard.on, true, JSON.stringify(s.networkGuard));
  assert.deepEqual(await popupNetwork(context), { value: 'on', why: null });
  const details = await context.newPage();
  await details.goto(`chrome-extension://${id}/pages/options/options.html`);
  await details.locator('#network').filter({ hasText: /^on: since this worker started, \d+ request bodies checked/ }).waitFor();
  await details.close();
  const d = await waitFor(async () => ((await device())?.network_guard === true ? device() : null), 'the device listed with its network check on');
  assert.equal(d?.network_guard, true);
});

test('a page script posting an SSN as JSON is cancelled: the site receives nothing, the fetch fails, the tab says why, the server gets counts', async () => {
  sites.clearReceived();
  const page = await chatPage(context);
  const result = await post(page, '/api/send', { kind: 'json', data: { prompt: SSN } });
  assert.match(result.error ?? '', /TypeError|Failed to fetch/, JSON.stringify(result));
  const alert = notice(page, 'alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Sending blocked: sensitive data found/);
  assert.match(await alert.innerText(), /Social Security number/);
  const events = await waitFor(async () => {
    const e = await server.events({ kind: 'request_blocked' });
    return e.length ? e : null;
  }, 'the request_blocked report on the server');
  assert.equal(events.length, 1);
  assert.equal(events[0].host, HOST);
  assert.equal(events[0].action, 'block');
  assert.deepEqual(events[0].detectors, { us_ssn: 1 });
  assert.ok(!JSON.stringify(events[0]).includes('6789'), 'no text in the report');
  // A clean prompt right after goes through, byte for byte.
  const clean = { prompt: 'Summarize the agenda of the council meeting on Tuesday.' };
  assert.deepEqual(await post(page, '/api/send', { kind: 'json', data: clean }), { status: 200 });
  assert.deepEqual(receivedBodies(), [JSON.stringify(clean)]);
  await page.close();
});

test('form-encoded, text/plain, escaped JSON and multipart text fields are read too; clean ones arrive unchanged', async () => {
  sites.clearReceived();
  const page = await chatPage(context);
  const before = (await server.events({ kind: 'request_blocked' })).length;
  const blocked = [
    { kind: 'form', data: { prompt: SSN, model: 'city-1' } },
    { kind: 'text', data: `Please check ${SSN} for me` },
    // JSON escapes spell the digits: the check reads the value, not the bytes.
    { kind: 'escaped-json', data: '{"prompt":"SSN \\u0031\\u0032\\u0033-45-6789"}' },
    { kind: 'multipart', data: { prompt: SSN, file: 'meeting notes' } },
  ];
  for (const body of blocked) {
    const r = await post(page, '/api/send', /** @type {any} */ (body));
    assert.ok(r.error, `${body.kind} was not cancelled: ${JSON.stringify(r)}`);
  }
  assert.deepEqual(receivedBodies(), [], 'nothing with the SSN arrived');
  await waitFor(async () => (await server.events({ kind: 'request_blocked' })).length === before + blocked.length || null, 'a report for each cancelled request');
  for (const e of await server.events({ kind: 'request_blocked' })) assert.deepEqual(e.detectors, { us_ssn: 1 });

  const clean = [
    { kind: 'form', data: { prompt: 'Draft a notice about the library hours', model: 'city-1' } },
    { kind: 'text', data: 'Translate "welcome to Redondo Beach" into Spanish' },
    { kind: 'multipart', data: { prompt: 'Summarize the attached notes', file: 'Parks: 3 new benches. Roads: pothole repairs on Pacific Coast Hwy.' } },
  ];
  for (const body of clean) assert.deepEqual(await post(page, '/api/send', /** @type {any} */ (body)), { status: 200 }, body.kind);
  const got = sites.received.filter((r) => r.host === HOST && r.path === '/api/send');
  assert.equal(got.length, clean.length);
  assert.equal(got[0].body.toString('utf8'), new URLSearchParams(clean[0].data).toString());
  assert.equal(got[1].body.toString('utf8'), clean[1].data);
  assert.match(got[2].contentType, /^multipart\/form-data/);
  assert.ok(got[2].body.includes(Buffer.from('Summarize the attached notes')) && got[2].body.includes(Buffer.from(clean[2].data.file)), 'the multipart body arrived whole');
  await page.close();
});

test('a form a page script submits (a POST navigation) is cancelled too; a clean one is submitted', async () => {
  sites.clearReceived();
  const page = await chatPage(context);
  const before = (await server.events({ kind: 'request_blocked' })).length;
  /** @param {string} prompt */
  const submit = (prompt) =>
    page.evaluate((prompt) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = '/api/send';
      const field = document.createElement('input');
      field.name = 'prompt';
      field.value = prompt;
      form.append(field);
      document.body.append(form);
      form.submit();
    }, prompt);
  await submit(SSN);
  await waitFor(async () => (await server.events({ kind: 'request_blocked' })).length === before + 1 || null, 'the cancelled form post reported');
  assert.deepEqual(receivedBodies(), []);
  await page.goto(`https://${HOST}/chat/textarea`);
  await submit('When is the next council meeting?');
  await page.waitForURL(`https://${HOST}/api/send`);
  assert.deepEqual(receivedBodies(), [new URLSearchParams({ prompt: 'When is the next council meeting?' }).toString()]);
  await page.close();
});

test('what leaves for an inspected host from another page is checked; what a page elsewhere sends to its own site is not', async () => {
  sites.clearReceived();
  const page = await context.newPage();
  await page.goto('https://example.org/');
  const toAi = await post(page, `https://${HOST}/api/send`, { kind: 'text', data: `cross-site ${SSN}`, mode: 'no-cors' });
  assert.ok(toAi.error, JSON.stringify(toAi));
  assert.deepEqual(receivedBodies(), []);
  // An ordinary site's own form post is none of Lifeguard's business.
  assert.deepEqual(await post(page, '/search', { kind: 'text', data: `order for ${SSN}` }), { status: 200 });
  // A clean cross-site post goes through.
  assert.ok(!(await post(page, `https://${HOST}/api/send`, { kind: 'text', data: 'cross-site hello', mode: 'no-cors' })).error);
  assert.deepEqual(receivedBodies(), ['cross-site hello']);
  await page.close();
});

test('after Chrome stops the service worker, the listener is there again and the guarded page wakes it before it sends', async () => {
  const page = await chatPage(context);
  // Stop every worker as Chrome stops an idle one (CDP), from a page the guard ignores.
  await stopServiceWorkers(context, id);
  // The chat page loads again: its guard messages the worker at once, which starts it and
  // loads the engine before the user (here, a script) sends anything.
  sites.clearReceived();
  await page.reload();
  await notice(page, 'note', { name: 'Public records notice' }).waitFor();
  const r = await post(page, '/api/send', { kind: 'json', data: { prompt: SSN } });
  assert.ok(r.error, JSON.stringify(r));
  assert.deepEqual(receivedBodies(), []);
  await notice(page, 'alert', { hasText: 'Sending blocked: sensitive data found' }).waitFor();
  await page.close();
});

test('benchmark: time per request with the network check on (printed, not asserted)', async () => {
  const page = await chatPage(context);
  const before = (await status(context)).networkGuard.counts;
  await timeRequests(page, BENCH_N, 'POST 2 KB JSON, ai.redondo.org, check on (CRX)');
  const after = (await status(context)).networkGuard.counts;
  const inspected = after.inspected - before.inspected;
  assert.ok(inspected >= BENCH_N, `every benchmark request was inspected (${inspected})`);
  bench.push(`${'POST 2 KB JSON: the worker\u2019s own time per body (mean)'.padEnd(62)} ${((after.ms - before.ms) / inspected).toFixed(3)}`);
  const plain = await context.newPage();
  await plain.goto('https://example.org/');
  await timeRequests(plain, BENCH_N, 'GET, example.org (not inspected), check on (CRX)', { get: true });
  await plain.close();
  await page.close();
});

test('an unpacked load is not granted webRequestBlocking: the popup and the device list say the network check is off', async () => {
  await context.close();
  removeManagedPolicy();
  // The other tests' browser: --load-extension, configured by managed storage only.
  writeManagedPolicy({ serverUrl: `https://${SERVER_HOST}`, deviceToken: server.deviceToken, department: 'finance', policyPublicKey: server.publicKey });
  const browser = new Browser({ resolverRules: sites.resolverRules() });
  try {
    await browser.launch();
    const ctx = /** @type {import('playwright-core').BrowserContext} */ (browser.context);
    await waitFor(async () => (await browser.status()).policySource === 'server', 'the first sync of the unpacked load', 40_000);
    const s = await browser.status();
    assert.equal(s.networkGuard.on, false);
    assert.match(s.networkGuard.reason, /installed by policy/);
    const popup = await popupNetwork(ctx);
    assert.equal(popup.value, 'off');
    assert.match(popup.why ?? '', /^Network check off: Chrome grants webRequestBlocking only to an extension installed by policy/);
    const d = await waitFor(async () => ((await device())?.network_guard === false ? device() : null), 'the device listed with its network check off');
    assert.equal(d?.network_guard, false);
    // Off means off: what a page script posts is not checked here (the paste guard still
    // decides pastes and typing).
    sites.clearReceived();
    const reported = (await server.events({ kind: 'request_blocked' })).length;
    const page = await chatPage(ctx);
    assert.deepEqual(await post(page, '/api/send', { kind: 'json', data: { prompt: SSN } }), { status: 200 });
    assert.deepEqual(receivedBodies(), [JSON.stringify({ prompt: SSN })]);
    // ... and nothing claims it was stopped.
    await browser.syncNow();
    assert.equal((await browser.status()).queued, 0);
    assert.equal((await server.events({ kind: 'request_blocked' })).length, reported);
    await timeRequests(page, BENCH_N, 'POST 2 KB JSON, ai.redondo.org, check off (unpacked)');
    await page.close();
    const plain = await ctx.newPage();
    await plain.goto('https://example.org/');
    await timeRequests(plain, BENCH_N, 'GET, example.org (not inspected), check off (unpacked)', { get: true });
    await plain.close();
  } finally {
    removeManagedPolicy();
    await browser.close();
  }
});
