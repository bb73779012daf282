/**
 * Navigation: the policy's block and warn rules as declarativeNetRequest dynamic rules
 * (compiled by lifeguard-core, installed here unchanged), time-limited allows after a
 * justified warning (session rules), and history-API navigations, which DNR never sees, to a
 * rule's path on a shared host.
 */
import { alarms, dnr, extensionUrl, storage, tabs } from '../shared/chrome.js';
import { nowSeconds } from '../shared/engine.js';
import { errorText } from '../shared/errors.js';
import { record } from './reports.js';
import { noteDecision } from './visits.js';

export const BLOCK_PAGE = 'pages/block/block.html';
export const WARN_PAGE = 'pages/warn/warn.html';
export const RECOMPUTE_ALARM = 'policy-recompute';
const ALLOW_ALARM_PREFIX = 'allow-expire:';
const ALLOWS_KEY = 'temporaryAllows';
const RULES_STATUS_KEY = 'rulesStatus';
/** How long a justified warning opens a site. */
export const ALLOW_MINUTES = 30;

/**
 * @typedef {object} TemporaryAllow
 * @property {number} ruleId the session rule
 * @property {string} host
 * @property {number} until ms since the epoch
 */

/**
 * What the installed rules do, for the popup and the options page.
 * @typedef {object} RulesStatus
 * @property {number} installed how many dynamic rules are in force
 * @property {number} at when they were installed (ms since the epoch)
 * @property {string|null} error why the browser refused the last update (the old rules stay)
 * @property {string|null} key what the rules were computed from
 * @property {{header: string, domains: string[]}[]} tenantHeaders the tenant-restriction
 *   headers in force (the vendors' hosts only sign in to the City's workspace)
 */

/**
 * Replaces the dynamic rules with the policy's rules for this visitor, in one atomic update
 * (Chrome keeps the old rules if the new set is refused), and schedules the next
 * recomputation when an exception, pilot or suspension starts or ends. The rules include the
 * tenant-restriction headers of the authorized tools; a refused update is reported.
 * @param {import('../wasm/lifeguard_core.js').WasmEngine} engine
 * @param {import('./config.js').Who & {userHash: string|null}} who with the address hashed
 *   for the policy's suspensions (config.js `visitor`)
 * @param {string} key what the rules were computed from, to skip identical reinstalls
 */
export async function installRules(engine, who, key) {
  const out = JSON.parse(engine.dnrRules(who.department, who.user, who.userHash, nowSeconds(), extensionUrl(BLOCK_PAGE), extensionUrl(WARN_PAGE), 1));
  const old = await dnr.getDynamicRules();
  try {
    await dnr.updateDynamicRules({ removeRuleIds: old.map((r) => r.id), addRules: out.rules });
    await storage.set('local', { [RULES_STATUS_KEY]: { installed: out.rules.length, at: Date.now(), error: null, key, tenantHeaders: tenantHeaders(out.rules) } });
  } catch (e) {
    // Never silently: the popup and options page show this, IT gets a report, and the old
    // rules stay.
    console.error('Lifeguard: the browser refused the navigation rules', e);
    await storage.set('local', { [RULES_STATUS_KEY]: { installed: old.length, at: Date.now(), error: errorText(e), key: null, tenantHeaders: tenantHeaders(old) } });
    await record({ kind: 'rules_refused', action: 'refused' });
  }
  await alarms.clear(RECOMPUTE_ALARM);
  if (typeof out.next_change_at === 'number') {
    await alarms.create(RECOMPUTE_ALARM, { when: Math.max(out.next_change_at * 1000, Date.now() + 1000) });
  }
}

/**
 * The tenant-restriction headers among rules.
 * @param {any[]} rules
 * @returns {{header: string, domains: string[]}[]}
 */
function tenantHeaders(rules) {
  return rules
    .filter((r) => r.action?.type === 'modifyHeaders')
    .flatMap((r) => (r.action.requestHeaders ?? []).map((/** @type {{header: string}} */ h) => ({ header: h.header, domains: r.condition?.requestDomains ?? [] })));
}

/** @returns {Promise<RulesStatus|null>} */
export async function rulesStatus() {
  const { [RULES_STATUS_KEY]: s } = await storage.get('local', RULES_STATUS_KEY);
  return s ?? null;
}

/** @returns {Promise<TemporaryAllow[]>} */
async function allows() {
  const { [ALLOWS_KEY]: list = [] } = await storage.get('session', ALLOWS_KEY);
  return list;
}

/**
 * Opens a warned host for {@link ALLOW_MINUTES}: a session rule (gone when the browser
 * closes) that allows main and sub frames on the host, one step above the warn rule that
 * caught it, so a stricter rule on a path of that host still applies.
 * @param {string} host canonical host, as the engine returned it
 * @returns {Promise<TemporaryAllow>}
 */
export async function allowTemporarily(host) {
  // The engine groups hosts of one priority and outcome into one DNR rule (Chrome's rule
  // limits), so the warn rule is found by its target page and its domains, not by name.
  const dynamic = await dnr.getDynamicRules();
  const warnPage = extensionUrl(WARN_PAGE);
  const covers = (/** @type {string} */ d) => host === d || host.endsWith(`.${d}`);
  let priority = 1;
  for (const r of dynamic) {
    const sub = r.action.redirect?.regexSubstitution ?? '';
    if (sub.startsWith(warnPage) && (r.condition.requestDomains ?? []).some(covers)) priority = Math.max(priority, r.priority ?? 1);
  }
  const session = await dnr.getSessionRules();
  const list = (await allows()).filter((a) => a.host !== host);
  const ruleId = Math.max(0, ...session.map((r) => r.id)) + 1;
  const until = Date.now() + ALLOW_MINUTES * 60_000;
  await dnr.updateSessionRules({
    removeRuleIds: session.filter((r) => r.condition.requestDomains?.length === 1 && r.condition.requestDomains[0] === host).map((r) => r.id),
    addRules: [
      {
        id: ruleId,
        priority: priority + 1,
        action: { type: 'allow' },
        condition: { requestDomains: [host], resourceTypes: ['main_frame', 'sub_frame'] },
      },
    ],
  });
  const allow = { ruleId, host, until };
  await storage.set('session', { [ALLOWS_KEY]: [...list, allow] });
  await alarms.create(`${ALLOW_ALARM_PREFIX}${ruleId}`, { when: until });
  return allow;
}

/**
 * Handles an alarm if it ends a temporary allow.
 * @param {string} name
 * @returns {Promise<boolean>} whether it was one
 */
export async function onAllowAlarm(name) {
  if (!name.startsWith(ALLOW_ALARM_PREFIX)) return false;
  const ruleId = Number(name.slice(ALLOW_ALARM_PREFIX.length));
  await dnr.updateSessionRules({ removeRuleIds: [ruleId] });
  await storage.set('session', { [ALLOWS_KEY]: (await allows()).filter((a) => a.ruleId !== ruleId) });
  return true;
}

/**
 * Whether a host is open after a justified warning.
 * @param {string} host
 */
export async function isTemporarilyAllowed(host) {
  const now = Date.now();
  return (await allows()).some((a) => a.until > now && (host === a.host || host.endsWith(`.${a.host}`)));
}

/**
 * The block or warn page for a decision, in the form the DNR rules use:
 * `PAGE?source=S#ORIGINAL_URL`.
 * @param {import('../shared/messages.js').Decision} d
 * @param {string} url
 */
export function pageFor(d, url) {
  const page = d.action === 'warn' ? WARN_PAGE : BLOCK_PAGE;
  return `${extensionUrl(page)}?source=${encodeURIComponent(d.source)}#${url}`;
}

/**
 * A history-API navigation (pushState/replaceState) in a top frame: DNR never sees it, so a
 * single-page app on a shared host could reach a blocked path. Decide it like a load.
 * @param {import('../wasm/lifeguard_core.js').WasmEngine} engine
 * @param {import('./config.js').Who & {userHash: string|null}} who as for {@link installRules}
 * @param {{tabId: number, frameId: number, url: string}} details
 * @returns {Promise<import('../shared/messages.js').Decision|null>} the decision if it acted
 */
export async function checkHistoryNavigation(engine, who, details) {
  if (details.frameId !== 0 || !/^https?:/i.test(details.url)) return null;
  /** @type {import('../shared/messages.js').Decision} */
  let d;
  try {
    d = JSON.parse(engine.decide(details.url, who.department, who.user, who.userHash, nowSeconds()));
  } catch {
    return null;
  }
  if (d.action === 'allow') return null;
  if (d.action === 'warn' && (await isTemporarilyAllowed(d.host))) return null;
  // The page reports the visit: only because this worker noted that it sent the tab there.
  await noteDecision(details.tabId, 0, d);
  await tabs.navigate(details.tabId, pageFor(d, details.url));
  return d;
}
