/**
 * The visits the block and warn pages may report: navigations this worker decided itself.
 *
 * The pages are web accessible (a DNR redirect must be allowed to land on them), so a web
 * page that learnt their address could frame or open them with made-up parameters. What the
 * page says (`#ORIGINAL_URL`) is therefore never enough to report a visit. Every web
 * navigation of a tab's frame is decided by the engine when it starts
 * (webNavigation.onBeforeNavigate fires before DNR redirects it), and a block or warn decision
 * is kept for that tab and frame in session storage; history-API and proxied navigations,
 * which this worker sends to the pages itself, are noted the same way. The page's visit is
 * reported only when the asking frame (the sender's tab and frame, set by the browser) holds
 * a decision for the same page and host that has not been reported yet: once per navigation.
 * A warned site is opened only from a warn page that was shown that way.
 */
import { storage } from '../shared/chrome.js';

/** How long a decision waits for its page to ask (the redirect lands within a second). */
const UNSHOWN_MS = 2 * 60_000;
/** How long a shown warn page may take to be answered (the user types a justification). */
const SHOWN_MS = 60 * 60_000;

/**
 * @typedef {object} DecidedVisit
 * @property {'block'|'warn'} page the page the decision sends the frame to
 * @property {string} host the canonical host decided
 * @property {string|null} rule
 * @property {number} at when it was decided (ms since the epoch)
 * @property {boolean} shown whether its page has asked already (and the visit was reported)
 */

/** Decisions still being made, by frame: a page that asks meanwhile waits for them. */
/** @type {Map<string, Promise<void>>} */
const pending = new Map();

/**
 * @param {number} tabId
 * @param {number} frameId
 */
function keyOf(tabId, frameId) {
  return `visit:${tabId}:${frameId}`;
}

/**
 * A navigation starts in a frame: decides it (with `decide`) and keeps a block or warn
 * decision for the page it will land on; any other outcome forgets the frame's last one.
 * Extension and other non-web URLs are not navigations the policy decides and change nothing.
 * @param {{tabId: number, frameId: number, url: string}} details
 * @param {(url: string) => Promise<import('../shared/messages.js').Decision|null>} decide
 */
export function onNavigationStart(details, decide) {
  if (details.tabId < 0 || !/^https?:/i.test(details.url)) return;
  const key = keyOf(details.tabId, details.frameId);
  const run = (pending.get(key) ?? Promise.resolve()).then(async () => {
    const d = await decide(details.url);
    if (d && (d.action === 'block' || d.action === 'warn')) await put(key, d);
    else await storage.remove('session', key);
  });
  const settled = run.catch((e) => console.error('Lifeguard: deciding a navigation failed', e));
  pending.set(key, settled);
  settled.then(() => {
    if (pending.get(key) === settled) pending.delete(key);
  });
}

/**
 * Notes a decision this worker acted on itself (it sent the frame to the page).
 * @param {number} tabId
 * @param {number} frameId
 * @param {import('../shared/messages.js').Decision} d
 */
export async function noteDecision(tabId, frameId, d) {
  const key = keyOf(tabId, frameId);
  await pending.get(key);
  await put(key, d);
}

/**
 * @param {string} key
 * @param {import('../shared/messages.js').Decision} d
 */
async function put(key, d) {
  /** @type {DecidedVisit} */
  const visit = { page: d.action === 'warn' ? 'warn' : 'block', host: d.host, rule: d.rule ?? null, at: Date.now(), shown: false };
  await storage.set('session', { [key]: visit });
}

/**
 * The decision kept for the frame a message came from, once any decision being made for it
 * is made.
 * @param {chrome.runtime.MessageSender} sender
 * @returns {Promise<{key: string, visit: DecidedVisit}|null>}
 */
async function visitOf(sender) {
  const tabId = sender.tab?.id;
  if (typeof tabId !== 'number' || typeof sender.frameId !== 'number') return null;
  const key = keyOf(tabId, sender.frameId);
  await pending.get(key);
  const { [key]: visit } = await storage.get('session', key);
  return visit ? { key, visit } : null;
}

/**
 * Whether the block or warn page that asks shows a navigation this worker decided and has
 * not reported yet; if so, it is marked reported (the caller reports it, once).
 * @param {chrome.runtime.MessageSender} sender
 * @param {'block'|'warn'} page
 * @param {import('../shared/messages.js').Decision|null} d the page's URL decided again
 */
export async function claimVisit(sender, page, d) {
  if (!d) return false;
  const found = await visitOf(sender);
  if (!found) return false;
  const { key, visit } = found;
  const fresh = Date.now() - visit.at < UNSHOWN_MS;
  if (visit.shown || !fresh || visit.page !== page || visit.host !== d.host) return false;
  await storage.set('session', { [key]: { ...visit, shown: true, at: Date.now() } });
  return true;
}

/**
 * Whether the warn page that asks to open `host` was shown for a navigation this worker
 * decided (and not too long ago); the decision is used up.
 * @param {chrome.runtime.MessageSender} sender
 * @param {string} host
 */
export async function takeShownWarning(sender, host) {
  const found = await visitOf(sender);
  if (!found) return false;
  const { key, visit } = found;
  if (!visit.shown || visit.page !== 'warn' || visit.host !== host || Date.now() - visit.at > SHOWN_MS) return false;
  await storage.remove('session', key);
  return true;
}
