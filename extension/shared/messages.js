/**
 * The one message contract between Lifeguard's contexts.
 *
 * Every `chrome.runtime.sendMessage` in the extension sends a {@link Message} and gets a
 * {@link Reply}. The service worker is the only receiver; it checks who sent each message
 * (a content script on a web page may only send `report`, `inspect`, `decidePage` and
 * `pagePolicy`, which answers the verified policy document in force, null for the built-in one;
 * extension pages may send everything) because a compromised renderer can send any message
 * its content script can.
 *
 * `inspect` exists because a page's CSP can forbid WebAssembly even in a content script
 * (Chromium 156 applies `script-src` without 'wasm-unsafe-eval' to the isolated world):
 * there the paste, typing and file guards hold the action back and ask the service worker's
 * engine. The text goes from the content script to the service worker and nowhere else.
 *
 * Report events from content scripts carry no host: the service worker takes it from the
 * sender's URL, so a page cannot report on behalf of another site.
 */
import { VOCABULARY } from './vocabulary.js';

/** @typedef {'block'|'warn'|'allow'} VisitAction */
/** @typedef {'allow'|'redact'|'warn'|'block'} ContentAction */

/**
 * A URL decision from lifeguard-core (`WasmEngine.decide`).
 * @typedef {object} Decision
 * @property {VisitAction} action
 * @property {string|null} rule
 * @property {string|null} category
 * @property {string|null} policy_ref
 * @property {string|null} message
 * @property {string} source
 * @property {string} [notice]
 * @property {boolean} [workspace_only] an authorized tool whose vendor signs in only the
 *   City's workspace here (tenant restrictions)
 * @property {{id: string, name: string, url: string}} [alternative]
 * @property {string} host
 */

/**
 * A paste outcome reported by a content script. No text: detector ids and counts only.
 * @typedef {object} PasteReport
 * @property {'paste_blocked'|'paste_proceeded'|'paste_redacted'|'paste_cancelled'|'paste_allowed'|'send_blocked'|'send_proceeded'|'send_cancelled'} kind
 *   what happened: blocked; pasted after a warning; pasted with placeholders; the user
 *   cancelled after a warning; pasted as is although it had findings the policy allows;
 *   sending typed text was held; sent after a warning; the user cancelled the send
 * @property {ContentAction} action what the policy said
 * @property {string|null} rule the content rule that decided
 * @property {Record<string, number>} detectors detector id → number of findings
 * @property {'paste'|'drop'|'file'|'typing'} via how the data arrived
 */

/** @typedef {'paste'|'drop'|'file'|'typing'|'request'} Via how data arrives */

/**
 * Something a content script asks the service worker to inspect when the page forbids the
 * engine in the content script: text as it is, HTML to read the text of, file bytes
 * (base64) to extract the text of.
 * @typedef {{kind: 'plain', text: string} | {kind: 'html', html: string} | {kind: 'rtf', rtf: string} | {kind: 'filetext', text: string} | {kind: 'file', name: string, type: string, base64: string} | {kind: 'unreadable', reason: string}} RawPart
 */

/**
 * lifeguard-core's answer for one user action (`WasmEngine.inspect`).
 * @typedef {object} Inspection
 * @property {ContentAction} action
 * @property {string|null} rule
 * @property {string|null} policy_ref
 * @property {string|null} message
 * @property {{detector: string, part: number}[]} findings
 * @property {Record<string, number>} counts
 * @property {boolean} found whether anything was found (or unreadable)
 * @property {number[]} unreadable
 * @property {(string|null)[]} redacted
 * @property {string|null} insert
 * @property {{now: string|null, anyway: string|null, redacted: string|null, cancel: string|null}} report
 */

/**
 * What the approval form sends (APP 04.05 §IV.2); the server's `POST /v1/approvals` body.
 * @typedef {object} ApprovalRequest
 * @property {string} requester
 * @property {string} [tool]
 * @property {string} [url]
 * @property {string} objective
 * @property {string} why_ai
 * @property {string} alternatives
 * @property {string} [data]
 */

/**
 * What the popup and the options page show.
 * @typedef {object} Status
 * @property {number} policyVersion
 * @property {'built-in'|'server'} policySource
 * @property {string|null} publishedAt
 * @property {string|null} expiresAt when the signed bundle in force expires (RFC 3339)
 * @property {boolean} stale whether it has: still enforced, but no current bundle came since
 * @property {'managed'|'first-use'|null} policyKey where the key bundles are checked with
 *   comes from: IT's managed `policyPublicKey`, or the server's own key pinned on first
 *   contact (trust on first use: test set-ups only); null without a server
 * @property {number|null} lastSyncAt ms since the epoch of the last successful contact
 * @property {number|null} lastAttemptAt
 * @property {boolean|null} reachable null until the first attempt
 * @property {string|null} lastError
 * @property {{reason: string, at: number}|null} lastRefused the last bundle refused, and why
 * @property {boolean} configured whether managed storage names a server and a token
 * @property {string|null} serverUrl
 * @property {string|null} department
 * @property {string|null} user the best-known address (reports carry it)
 * @property {boolean} userTrusted whether IT vouches for it (managed `userEmail`, or a sign-in to
 *   one of `staffEmailDomains`): per-user permissions apply only then
 * @property {number} queued report events waiting to be sent
 * @property {number} dropped report events dropped because the queue was full
 * @property {string[]} inspectedHosts
 * @property {string} extensionVersion
 * @property {import('../background/network-guard.js').NetworkGuardStatus} networkGuard the
 *   network line: whether request bodies are checked (only an extension installed by policy)
 * @property {import('../background/navigation.js').RulesStatus|null} rules the installed
 *   site rules and tenant-restriction headers, and whether the browser refused the last update
 */

/**
 * @typedef {{type: 'decideVisit', url: string}
 *   | {type: 'pageShown', page: 'block'|'warn', url: string}
 *   | {type: 'warnProceed', url: string, justification: string}
 *   | {type: 'requestApproval', request: ApprovalRequest}
 *   | {type: 'report', event: PasteReport}
 *   | {type: 'inspect', parts: RawPart[], via: Via, prior?: string}
 *   | {type: 'decidePage'}
 *   | {type: 'pagePolicy'}
 *   | {type: 'status'}
 *   | {type: 'syncNow'}} Message
 */

/**
 * @typedef {{ok: true, [key: string]: unknown} | {ok: false, error: string}} Reply
 */

/** Message types, so a typo is a reference error rather than a silent no-op. */
export const MSG = Object.freeze({
  decideVisit: 'decideVisit',
  pageShown: 'pageShown',
  warnProceed: 'warnProceed',
  requestApproval: 'requestApproval',
  report: 'report',
  inspect: 'inspect',
  decidePage: 'decidePage',
  pagePolicy: 'pagePolicy',
  status: 'status',
  syncNow: 'syncNow',
});

/** The only messages a content script (a web page's renderer) may send. */
export const CONTENT_MESSAGES = new Set([MSG.report, MSG.inspect, MSG.decidePage, MSG.pagePolicy]);

/** Report kinds a content script may send (pastes, and sends of typed text), as lifeguard-core names them. */
export const PASTE_KINDS = new Set(VOCABULARY.kinds.map((k) => k.id).filter((id) => /^(paste|send)_/.test(id)));

/**
 * Keys in chrome.storage.local that content scripts watch. Content scripts can write there
 * too, so nothing read from it is trusted as is: the service worker verifies the bundle on
 * every load, and content scripts only take a change as the cue to ask it (`pagePolicy`).
 */
export const STORAGE = Object.freeze({
  /** The last good policy bundle as received: {@link import('../background/policy-store.js').KeptBundle}. */
  policy: 'policy',
  /** When who is browsing last changed (`{changedAt}`); who it is, the service worker says. */
  who: 'who',
});

/**
 * Messages the service worker sends to a tab's content script (`chrome.tabs.sendMessage`):
 * `requestBlocked` `{type, counts, message, policyRef}` when the network line cancelled a
 * request the tab made (content/network-notice.js shows the notice; counts only, no text).
 */
export const TAB_MSG = Object.freeze({
  requestBlocked: 'requestBlocked',
});

/**
 * A content script on an inspected page sends `{type: KEEP_AWAKE}` every 20 seconds so the
 * service worker, which decides requests synchronously with the engine it holds, is not
 * stopped while the page is open (background/network-guard.js). The worker answers and does
 * nothing else.
 */
export const KEEP_AWAKE = 'keepAwake';
