/**
 * The network line: request bodies leaving an inspected page are inspected with the same
 * engine in this service worker, and a request whose content the policy blocks is cancelled
 * before it is sent, with a notice in the tab and a `request_blocked` report. It catches
 * text that reached the composer by a way the paste guard did not see (another extension, a
 * page script, an editor the guard does not know).
 *
 * It needs `webRequestBlocking`, which Chrome keeps in Manifest V3 only for extensions
 * installed by policy (ExtensionInstallForcelist; "Replace blocking web request listeners").
 * An unpacked load gets `chrome.webRequest` but not the permission: Chrome accepts the
 * listener, logs that blocking is not allowed, and never calls it. {@link networkGuardStatus}
 * says which, for the popup and for the server (the `Lifeguard-Network-Guard` header of the
 * policy fetch, shown in the console's device list).
 *
 * What is inspected: POST, PUT and PATCH bodies of requests made by a page on an inspected
 * host (the request's initiator, so the page's own service worker counts too), or sent to
 * one; never the extension's own requests nor the Lifeguard server's. The body as Chrome
 * presents it (`requestBody`):
 * - `formData` (url-encoded, or multipart without files): every field as `name: value`;
 * - `raw` bytes, decoded as UTF-8, at most {@link MAX_BODY_BYTES}: the first 16 MiB are
 *   scanned and the rest is not (past that a body is a file, not a prompt). JSON is read
 *   for its keys and values (escapes undone; numbers as written), falling back to the raw
 *   text when it does not parse; multipart bodies with a file give their text fields, and
 *   their file parts are left to the paste guard, which inspects files when they are chosen
 *   or dropped (Chrome does not hand the bytes of a file or Blob part to extensions anyway);
 *   anything else is scanned as text (and url-decoded when it looks url-encoded).
 * - `error`: Chrome could not present the body (a Blob, File or stream as the whole body):
 *   not inspected, counted in the status.
 *
 * The listener must answer synchronously, so the engine and the person are kept here and
 * replaced when the policy or the identity changes. A worker that Chrome has just started
 * for this very request has not loaded the engine yet; such a request goes through
 * unchecked (blocking every POST on the web for that moment would break sites that are no
 * business of Lifeguard's) and is counted. The paste guard's pages keep the worker awake
 * (content/network-notice.js) so that this is rare on the pages that matter.
 *
 * Nothing from a body leaves this worker: the report carries detector ids and counts.
 */
import { extensionId, permissions, sendToTab, storage, webRequest } from '../shared/chrome.js';
import { nowSeconds } from '../shared/engine.js';
import { STORAGE, TAB_MSG } from '../shared/messages.js';
import { onConfigChanged, readConfig, who } from './config.js';
import { hostOf } from './decide.js';
import { currentPolicy, onPolicyChanged } from './policy-store.js';
import { record } from './reports.js';

/** Most body bytes scanned (16 MiB); the rest of a larger body is not. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
/** Requests that carry what a page sends: fetch/XHR, beacons, form submissions. */
const TYPES = /** @type {chrome.webRequest.ResourceType[]} */ (['main_frame', 'sub_frame', 'xmlhttprequest', 'ping', 'other']);
const NOT_GRANTED = 'Chrome grants webRequestBlocking only to an extension installed by policy (ExtensionInstallForcelist); this copy was installed another way (an unpacked load), so request bodies are not checked.';

/**
 * @typedef {object} NetworkGuardStatus
 * @property {boolean} on whether request bodies are being inspected
 * @property {string|null} reason why not, in words
 * @property {{inspected: number, blocked: number, unchecked: number, unreadable: number, ms: number}} counts
 *   since this worker started: bodies inspected, requests cancelled, bodies let through
 *   before the engine was ready, bodies Chrome did not present; time spent inspecting
 */

/**
 * The part of lifeguard-core's `inspect` answer this module uses.
 * @typedef {object} RequestInspection
 * @property {'allow'|'redact'|'warn'|'block'} action
 * @property {string|null} rule
 * @property {string|null} policy_ref
 * @property {string|null} message
 * @property {Record<string, number>} counts findings per detector id
 * @property {{now: string|null}} report the event kind to report, named by the engine
 */

/** What the listener decides with: replaced whenever the policy or the person changes. */
const state = {
  /** @type {import('../wasm/lifeguard_core.js').WasmEngine|null} */
  engine: null,
  /** @type {Set<string>} */
  hosts: new Set(),
  /** @type {{department: string|null, user: string|null}} */
  person: { department: null, user: null },
  /** @type {string|null} the Lifeguard server's origin */
  server: null,
};
const counts = { inspected: 0, blocked: 0, unchecked: 0, unreadable: 0, ms: 0 };
/** @type {string|null} why the listener could not be registered */
let registrationError = null;
let registered = false;

/**
 * Registers the listener (synchronously: call it at the worker's top level, so Chrome
 * delivers the request that started the worker) and loads what it decides with.
 */
export function startNetworkGuard() {
  if (!webRequest.available()) {
    registrationError = 'This browser does not give the extension chrome.webRequest.';
  } else {
    try {
      webRequest.onBeforeRequestBlocking(onBeforeRequest, { urls: ['<all_urls>'], types: TYPES });
      registered = true;
    } catch (e) {
      registrationError = `Chrome refused the request listener: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  if (registered) {
    // Without the permission Chrome keeps the listener but never lets it block: take it off,
    // so an unpacked load neither inspects bodies for nothing nor reports what it did not stop.
    permissions.contains(['webRequest', 'webRequestBlocking']).then((granted) => {
      if (granted || !registered) return;
      webRequest.removeOnBeforeRequest(onBeforeRequest);
      registered = false;
      registrationError = NOT_GRANTED;
    });
  }
  onPolicyChanged((policy) => usePolicy(policy.engine));
  let personChanged = false;
  storage.onChanged((changes, area) => {
    if (area !== 'local' || !(STORAGE.who in changes)) return;
    // Only a cue (a page could write it): who is browsing is read from the trust store.
    personChanged = true;
    who().then((person) => {
      state.person = person;
    }, () => {});
  });
  onConfigChanged(() => {
    readConfig().then(useConfig, () => {});
  });
  Promise.all([currentPolicy(), who(), readConfig()])
    .then(([policy, person, config]) => {
      // What changed meanwhile wins over what was read at start.
      if (!personChanged) state.person = person;
      useConfig(config);
      if (!state.engine) usePolicy(policy.engine);
    })
    .catch((e) => console.error('Lifeguard: the network check could not load the policy', e));
}

/** @param {import('../wasm/lifeguard_core.js').WasmEngine} engine */
function usePolicy(engine) {
  state.hosts = new Set(/** @type {string[]} */ (JSON.parse(engine.inspectedHosts())).map((h) => h.toLowerCase().replace(/\.$/, '')));
  state.engine = engine;
}

/** @param {import('./config.js').Config} config */
function useConfig(config) {
  state.server = originOf(config.serverUrl);
}

/** @returns {Promise<NetworkGuardStatus>} */
export async function networkGuardStatus() {
  const snapshot = { ...counts };
  if (!registered) return { on: false, reason: registrationError, counts: snapshot };
  if (!(await permissions.contains(['webRequest', 'webRequestBlocking']))) return { on: false, reason: NOT_GRANTED, counts: snapshot };
  return { on: true, reason: null, counts: snapshot };
}

/**
 * @param {string|null|undefined} url
 * @returns {string|null}
 */
function originOf(url) {
  if (!url) return null;
  try {
    const o = new URL(url).origin;
    return o === 'null' ? null : o;
  } catch {
    return null;
  }
}

/**
 * Whether a host is inspected: it or a parent domain is one of the policy's inspected hosts
 * (as content-scripts.js registers the guard: a host and its subdomains; IP addresses alone).
 * @param {string} host
 */
function inspected(host) {
  if (state.hosts.has(host)) return true;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[')) return false;
  for (let i = host.indexOf('.'); i !== -1; i = host.indexOf('.', i + 1)) {
    if (state.hosts.has(host.slice(i + 1))) return true;
  }
  return false;
}

/**
 * The page a request leaves from, if it is inspected: the initiator's origin when that is on
 * an inspected host, else the request's own URL when it goes to one; null when neither.
 * @param {chrome.webRequest.OnBeforeRequestDetails} d
 * @returns {{url: string, host: string}|null}
 */
function inspectedPage(d) {
  const from = hostOf(d.initiator);
  if (from && inspected(from)) return { url: `${d.initiator}/`, host: from };
  const to = hostOf(d.url);
  if (to && inspected(to)) return { url: d.url, host: to };
  return null;
}

/**
 * @param {chrome.webRequest.OnBeforeRequestDetails} d
 * @returns {chrome.webRequest.BlockingResponse|undefined}
 */
function onBeforeRequest(d) {
  if (!BODY_METHODS.has(d.method) || !d.requestBody) return undefined;
  const started = performance.now();
  try {
    if (d.initiator === `chrome-extension://${extensionId()}`) return undefined;
    if (!state.engine) {
      counts.unchecked++;
      return undefined;
    }
    if (state.server && originOf(d.url) === state.server) return undefined;
    const page = inspectedPage(d);
    if (!page) return undefined;
    if (d.requestBody.error) {
      counts.unreadable++;
      return undefined;
    }
    const text = bodyText(d.requestBody);
    if (!text) return undefined;
    counts.inspected++;
    /** @type {RequestInspection} */
    const v = JSON.parse(state.engine.inspect([text], ['plain'], 'request', state.person.department, state.person.user, page.url, nowSeconds()));
    const kind = v.report.now;
    if (v.action !== 'block' || !kind) return undefined;
    counts.blocked++;
    carryOut(d, page.host, v, kind);
    return { cancel: true };
  } catch (e) {
    // The engine failing on a body is a bug; the request is let through rather than break
    // the site, and the console says so.
    console.error('Lifeguard: the network check failed on a request', e);
    return undefined;
  } finally {
    counts.ms += performance.now() - started;
  }
}

/**
 * After the request is cancelled: the notice in the tab and the report, detector counts only.
 * @param {chrome.webRequest.OnBeforeRequestDetails} d
 * @param {string} host
 * @param {RequestInspection} v
 * @param {string} kind
 */
function carryOut(d, host, v, kind) {
  /** @type {Record<string, number>} */
  const detectors = { ...v.counts };
  if (d.tabId >= 0) {
    sendToTab(d.tabId, { type: TAB_MSG.requestBlocked, counts: detectors, message: v.message, policyRef: v.policy_ref }).catch(() => {});
  }
  record({ kind, host, rule: v.rule, action: v.action, detectors }).catch((e) => console.error('Lifeguard: could not record a cancelled request', e));
}

/**
 * The text of a request body as Chrome presents it, or null when there is none to scan.
 * @param {NonNullable<chrome.webRequest.OnBeforeRequestDetails['requestBody']>} body
 * @returns {string|null}
 */
export function bodyText(body) {
  if (body.formData) {
    /** @type {string[]} */
    const lines = [];
    let size = 0;
    fields: for (const [name, values] of Object.entries(body.formData)) {
      for (const v of values) {
        const value = typeof v === 'string' ? v : decode(new Uint8Array(v));
        size += name.length + value.length;
        if (size > MAX_BODY_BYTES) break fields;
        lines.push(`${name}: ${value}`);
      }
    }
    return lines.length ? lines.join('\n') : null;
  }
  if (!body.raw?.length) return null;
  const text = decode(rawBytes(body.raw));
  if (!text) return null;
  const multipart = /^--([^\r\n]{1,200})\r\n/.exec(text);
  if (multipart) return multipartText(text, multipart[1]);
  return structuredText(text);
}

/**
 * The in-memory bytes of a raw body, in order, at most {@link MAX_BODY_BYTES}; elements that
 * are files (a path, no bytes) are skipped.
 * @param {chrome.webRequest.UploadData[]} raw
 */
function rawBytes(raw) {
  let total = 0;
  for (const r of raw) total += r.bytes?.byteLength ?? 0;
  const out = new Uint8Array(Math.min(total, MAX_BODY_BYTES));
  let at = 0;
  for (const r of raw) {
    if (!r.bytes || at >= out.length) continue;
    const chunk = new Uint8Array(r.bytes, 0, Math.min(r.bytes.byteLength, out.length - at));
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const decoder = new TextDecoder('utf-8');
/** @param {Uint8Array} bytes */
function decode(bytes) {
  return decoder.decode(bytes);
}

/**
 * JSON as its keys and values, one per line (`key: value`), so escapes cannot hide data and
 * a key gives its value the context a detector may need; numbers as written (a card number
 * is longer than a double holds). Other text as it is, plus its url-decoded form when it
 * looks url-encoded.
 * @param {string} text
 */
function structuredText(text) {
  const start = text.trimStart()[0];
  if (start === '{' || start === '[' || start === '"') {
    /** @type {string[]} */
    const lines = [];
    /**
     * Notes each member as it is parsed; Chrome 114+ passes the source text of primitives.
     * @this {any}
     * @param {string} key
     * @param {any} value
     * @param {{source?: string}} [context]
     */
    const note = function (key, value, context) {
      const label = key !== '' && !Array.isArray(this) ? `${key}: ` : '';
      if (typeof value === 'string') lines.push(label + value);
      else if (typeof value === 'number') lines.push(label + (context?.source ?? String(value)));
      else if (label && (value === null || typeof value !== 'object')) lines.push(label + String(value));
      else if (label) lines.push(label.trimEnd());
      return value;
    };
    try {
      JSON.parse(text, note);
      return lines.join('\n');
    } catch {
      // Not JSON after all (or cut at the size limit): the text as it is.
    }
  }
  if (/%[0-9A-Fa-f]{2}|\+/.test(text) && /^[^\s=&]+=[^\s&]*(&[^\s=&]+=[^\s&]*)*$/.test(text)) {
    try {
      return `${text}\n${decodeURIComponent(text.replace(/\+/g, ' ')).replace(/&/g, '\n')}`;
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * The text fields of a multipart body; parts with a file name are files (the paste guard's).
 * @param {string} text
 * @param {string} boundary
 */
function multipartText(text, boundary) {
  /** @type {string[]} */
  const lines = [];
  for (const part of text.split(`--${boundary}`)) {
    const split = part.indexOf('\r\n\r\n');
    if (split === -1) continue;
    const headers = part.slice(0, split);
    if (/;\s*filename\*?=/i.test(headers)) continue;
    const name = /;\s*name="([^"]*)"/i.exec(headers)?.[1] ?? '';
    const value = part.slice(split + 4).replace(/\r\n$/, '');
    const parsed = structuredText(value);
    lines.push(name ? `${name}: ${parsed}` : parsed);
  }
  return lines.length ? lines.join('\n') : null;
}
