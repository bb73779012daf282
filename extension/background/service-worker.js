/**
 * Lifeguard's service worker: enforces the policy in force (navigation rules, paste-guard
 * registration), syncs the signed policy, queues and sends reports, and answers the
 * extension's pages and content scripts (shared/messages.js).
 *
 * Manifest V3 stops this worker whenever it is idle and starts it again for an event, so
 * every listener is registered synchronously at the top level, state lives in
 * chrome.storage, and the engine is rebuilt from storage on demand (policy-store.js).
 */
import { alarms, extensionId, extensionUrl, extensionVersion, management, storage, onHistoryNavigation, onTranslateProxyNavigation, onInstalled, onMessage, onStartup, onWebNavigationStart } from '../shared/chrome.js';
import { CONTENT_MESSAGES, KEEP_AWAKE, MSG, PASTE_KINDS } from '../shared/messages.js';
import { nowSeconds } from '../shared/engine.js';
import { describeCounts } from '../shared/detectors.js';
import { MAX_FILE_BYTES, inspectParts } from '../shared/inspect.js';
import { checkAiExtensions } from './ai-extensions.js';
import { flushApprovals, submitApproval } from './approvals.js';
import { onConfigChanged, readConfig, refreshWho, visitor, who } from './config.js';
import { syncContentScripts } from './content-scripts.js';
import { ALLOW_MINUTES, BLOCK_PAGE, RECOMPUTE_ALARM, allowTemporarily, checkHistoryNavigation, installRules, onAllowAlarm, rulesStatus } from './navigation.js';
import { networkGuardStatus, startNetworkGuard } from './network-guard.js';
import { currentPolicy, freshness, onPolicyChanged, onPolicyTampered } from './policy-store.js';
import { FLUSH_ALARM, MAX_JUSTIFICATION, ensureFlushAlarm, flush, queueState, record } from './reports.js';
import { SYNC_ALARM, scheduleSync, syncNow, syncStatus } from './sync.js';
import { TRUST, readTrust, writeTrust } from './trust-store.js';
import { claimVisit, onNavigationStart, takeShownWarning } from './visits.js';

/**
 * Applies the policy in force to the browser: DNR rules and content-script registration.
 * Serialised, because an install, a sync and an alarm can all ask at once. Unless `force`,
 * rules already computed from the same policy for the same person are left alone (the
 * worker restarts often; dynamic rules persist).
 * @param {{force?: boolean}} [opts]
 */
let applying = Promise.resolve();
function applyPolicy({ force = false } = {}) {
  applying = applying.then(async () => {
    const [policy, person, installed] = await Promise.all([currentPolicy(), who(), rulesStatus()]);
    // The pages' address is part of the key: with use_dynamic_url it changes every browser
    // session, and the persisted rules must then redirect to the new one.
    const key = JSON.stringify([policy.version, policy.source, policy.stored?.receivedAt ?? 0, person.department, person.user, person.email, extensionUrl(BLOCK_PAGE)]);
    if (force || installed?.key !== key) await installRules(policy.engine, await visitor(policy, person), key);
    await syncContentScripts(policy.engine);
  });
  applying = applying.catch((e) => console.error('Lifeguard: applying the policy failed', e));
  return applying;
}

/**
 * Reports a stale policy (a server bundle past its `expires_at`, still enforced) once per
 * bundle: the bundle's version and expiry are remembered, so later wakes, syncs that fail
 * and restarts report nothing more until another bundle goes stale (the marker is in the
 * trust store, so a page cannot silence the report). Serialised, because a sync alarm and
 * "Sync now" can both ask.
 */
let staleCheck = Promise.resolve();
function reportIfStale() {
  staleCheck = staleCheck
    .then(async () => {
      const policy = await currentPolicy();
      const { expiresAt, stale } = freshness(policy);
      if (!stale || !policy.stored) return;
      const bundle = `${policy.stored.version}@${expiresAt}`;
      if ((await readTrust(TRUST.staleReported)) === bundle) return;
      await writeTrust(TRUST.staleReported, bundle);
      await record({ kind: 'policy_stale', action: 'enforced' });
    })
    .catch((e) => console.error('Lifeguard: checking the policy expiry failed', e));
  return staleCheck;
}

/** Everything a fresh worker, a browser start or an install needs: enforce first, then sync. */
async function bootstrap() {
  await applyPolicy({ force: true });
  // Then learn the department from managed storage (slow the first time) and re-apply if it
  // changes the rules.
  await refreshWho();
  await applyPolicy();
  await Promise.all([scheduleSync(), ensureFlushAlarm()]);
  await syncNow();
  await reportIfStale();
  await sendQueued();
  const policy = await currentPolicy();
  await checkAiExtensions(policy.document());
}

// ---- top-level listeners (MV3: registered synchronously, every time the worker starts) ----

// The network line: request bodies leaving inspected pages (network-guard.js).
startNetworkGuard();

onInstalled(() => {
  bootstrap().catch((e) => console.error('Lifeguard: start-up failed', e));
});

onStartup(() => {
  bootstrap().catch((e) => console.error('Lifeguard: start-up failed', e));
});

onPolicyChanged((policy) => {
  applyPolicy();
  checkAiExtensions(policy.document()).catch(() => {});
});

// A kept bundle that did not verify was discarded (policy-store.js): the built-in policy is
// in force; say so to the server and fetch the genuine bundle at once.
onPolicyTampered(() => {
  record({ kind: 'policy_tampered', action: 'refused' })
    .then(() => syncNow())
    .then(() => sendQueued({ force: true }))
    .catch((e) => console.error('Lifeguard: recovering from a discarded policy failed', e));
});

onConfigChanged(() => {
  // New server, token or department: rules depend on the department, sync on the rest.
  refreshWho()
    .then(() => applyPolicy())
    .then(() => scheduleSync())
    .then(() => syncNow())
    .then(() => reportIfStale())
    .then(() => sendQueued({ force: true }))
    .catch((e) => console.error('Lifeguard: applying new managed configuration failed', e));
});

alarms.onAlarm(async (alarm) => {
  if (alarm.name === SYNC_ALARM) {
    await refreshWho();
    await applyPolicy();
    await syncNow();
    await reportIfStale();
    await sendQueued();
  } else if (alarm.name === FLUSH_ALARM) {
    await sendQueued();
  } else if (alarm.name === RECOMPUTE_ALARM) {
    await applyPolicy({ force: true });
  } else {
    await onAllowAlarm(alarm.name);
  }
});

/**
 * A navigation DNR does not see (history API) or may not name (a subdomain behind Google
 * Translate's proxy): decided by the engine, sent to the block or warn page, which reports
 * the visit as it does after a DNR redirect (once).
 * @param {{tabId: number, frameId: number, url: string}} details
 */
async function onUnseenNavigation(details) {
  const [policy, person] = await Promise.all([currentPolicy(), who()]);
  await checkHistoryNavigation(policy.engine, await visitor(policy, person), details);
}
onHistoryNavigation(onUnseenNavigation);
onTranslateProxyNavigation(onUnseenNavigation);

// Every web navigation is decided as it starts, so the block and warn pages report only
// visits this worker decided (visits.js), never what a page that framed them claims.
onWebNavigationStart((details) => onNavigationStart(details, decide));

management.onChanged(async () => {
  const policy = await currentPolicy();
  await checkAiExtensions(policy.document());
});

onMessage(async (message, sender) => {
  // An inspected page keeping this worker (and the network line's engine) awake.
  if (message?.type === KEEP_AWAKE) return { ok: true };
  const fromExtensionPage = sender.id === extensionId() && typeof sender.url === 'string' && sender.url.startsWith(`chrome-extension://${extensionId()}/`);
  if (!fromExtensionPage && !CONTENT_MESSAGES.has(message?.type)) {
    return { ok: false, error: 'not allowed from a web page' };
  }
  switch (message?.type) {
    case MSG.report:
      return onPasteReport(message.event, sender);
    case MSG.inspect:
      return onInspect(message.parts, message.via, message.prior, sender);
    case MSG.decidePage:
      return { ok: true, decision: await decide(sender.url ?? '') };
    case MSG.pagePolicy: {
      // The verified policy in force, for the guards that run the engine in the page: they
      // never read the policy from storage, which pages' content scripts can write.
      const [policy, person] = await Promise.all([currentPolicy(), who()]);
      const { department, user, userHash } = await visitor(policy, person);
      return { ok: true, policyJson: policy.stored ? policy.stored.policyJson : null, who: { department, user, userHash } };
    }
    case MSG.decideVisit:
      return { ok: true, decision: await decide(message.url) };
    case MSG.pageShown:
      return onPageShown(message.page, message.url, sender);
    case MSG.warnProceed:
      return onWarnProceed(message.url, message.justification, sender);
    case MSG.requestApproval:
      return submitApproval(message.request, onApprovalFiled);
    case MSG.status:
      return { ok: true, status: await status() };
    case MSG.syncNow: {
      const outcome = await syncNow();
      await reportIfStale();
      await sendQueued({ force: true });
      return { ok: true, outcome, status: await status() };
    }
    default:
      return { ok: false, error: `unknown message ${JSON.stringify(message?.type)}` };
  }
});

// A worker started for some other event enforces too: rules persist across restarts, but a
// worker that starts after a crash or an update must not wait for onStartup.
applyPolicy();

// ---- message handlers ----

/**
 * @param {string} url
 * @returns {Promise<import('../shared/messages.js').Decision|null>}
 */
async function decide(url) {
  const [policy, person] = await Promise.all([currentPolicy(), who()]);
  const v = await visitor(policy, person);
  try {
    return JSON.parse(policy.engine.decide(String(url), v.department, v.user, v.userHash, nowSeconds()));
  } catch {
    return null;
  }
}

/**
 * The page a content script speaks for. A frame with no URL of its own (about:blank,
 * srcdoc, a blob:) has its parent's origin, which is what the policy decides on.
 * @param {chrome.runtime.MessageSender} sender
 * @returns {string}
 */
function pageOf(sender) {
  const url = sender.url ?? '';
  return /^(about|data|blob):/.test(url) && sender.origin && sender.origin !== 'null' ? `${sender.origin}/` : url;
}

/**
 * A paste outcome from a content script. The host is the sender's, never the message's.
 * @param {import('../shared/messages.js').PasteReport} e
 * @param {chrome.runtime.MessageSender} sender
 */
async function onPasteReport(e, sender) {
  if (!e || !PASTE_KINDS.has(e.kind)) return { ok: false, error: 'not a paste report' };
  let host = null;
  try {
    host = new URL(pageOf(sender)).hostname || null;
  } catch {
    // no URL: report without a host
  }
  /** @type {Record<string, number>} */
  const detectors = {};
  for (const [k, v] of Object.entries(e.detectors ?? {})) {
    if (/^[a-z0-9_]{1,40}$/.test(k) && Number.isInteger(v) && v > 0) detectors[k] = v;
  }
  const rule = typeof e.rule === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(e.rule) ? e.rule : null;
  const action = ['allow', 'redact', 'warn', 'block'].includes(e.action) ? e.action : null;
  await record({ kind: e.kind, host, rule, action, detectors });
  return { ok: true };
}

/** Largest text flavour the service worker inspects for a content script (16 MiB). */
const MAX_SCAN_CHARS = 16 * 1024 * 1024;

const VIAS = new Set(['paste', 'drop', 'file', 'typing', 'request']);

/**
 * Inspects what a content script that cannot run the engine read from a paste, drop or file
 * choice: the flavours as they are, file bytes for lifeguard-extract. The page is the
 * sender's, never the message's.
 * @param {unknown} parts
 * @param {unknown} via
 * @param {unknown} prior the answer so far for the same action (a text file in chunks)
 * @param {chrome.runtime.MessageSender} sender
 */
async function onInspect(parts, via, prior, sender) {
  if (!Array.isArray(parts) || parts.length > 1000 || typeof via !== 'string' || !VIAS.has(via)) return { ok: false, error: 'not an inspection' };
  if (prior !== undefined && (typeof prior !== 'string' || prior.length > 1024 * 1024)) return { ok: false, error: 'not an inspection' };
  let size = 0;
  for (const p of parts) {
    const ok =
      (p?.kind === 'plain' && typeof p.text === 'string') ||
      (p?.kind === 'html' && typeof p.html === 'string') ||
      (p?.kind === 'rtf' && typeof p.rtf === 'string') ||
      (p?.kind === 'filetext' && typeof p.text === 'string') ||
      (p?.kind === 'file' && typeof p.name === 'string' && typeof p.type === 'string' && typeof p.base64 === 'string' && p.base64.length <= (MAX_FILE_BYTES * 4) / 3 + 4) ||
      (p?.kind === 'unreadable' && typeof p.reason === 'string');
    if (!ok) return { ok: false, error: 'not an inspection' };
    size += p.text?.length ?? p.html?.length ?? p.rtf?.length ?? p.base64?.length ?? 0;
  }
  if (size > 2 * MAX_SCAN_CHARS + MAX_FILE_BYTES * 2) return { ok: false, error: 'too much to inspect' };
  const [policy, person] = await Promise.all([currentPolicy(), who()]);
  const { v, formats } = await inspectParts(policy.engine, parts, /** @type {import('../shared/messages.js').Via} */ (via), person, pageOf(sender), /** @type {string|undefined} */ (prior));
  return { ok: true, inspection: v, formats };
}

/**
 * The block or warn page is showing: report the visit (the DNR redirect itself is silent),
 * if this worker decided the navigation that brought the asking frame there and has not
 * reported it yet (visits.js); a page opened or framed with made-up parameters reports
 * nothing. Either way the page gets the decision to show.
 * @param {'block'|'warn'} page
 * @param {string} url
 * @param {chrome.runtime.MessageSender} sender
 */
async function onPageShown(page, url, sender) {
  const d = await decide(url);
  if (!(await claimVisit(sender, page === 'warn' ? 'warn' : 'block', d))) return { ok: true, decision: d };
  const kind = page === 'warn' ? 'visit_warned' : 'visit_blocked';
  let host = d?.host ?? null;
  if (!host) {
    try {
      host = new URL(url).hostname;
    } catch {
      host = null;
    }
  }
  await record({ kind, host, rule: d?.rule, category: d?.category, action: d?.action });
  return { ok: true, decision: d };
}

/**
 * The user typed a justification on the warn page and goes on: only from a warn page shown
 * for a navigation this worker decided.
 * @param {string} url
 * @param {string} justification
 * @param {chrome.runtime.MessageSender} sender
 */
async function onWarnProceed(url, justification, sender) {
  const text = typeof justification === 'string' ? justification.trim() : '';
  if (text.length < 10) {
    return { ok: false, error: 'Please explain in a sentence why you need this site (at least 10 characters).' };
  }
  if ([...text].length > MAX_JUSTIFICATION) return { ok: false, error: `Please keep the explanation to ${MAX_JUSTIFICATION} characters.` };
  const d = await decide(url);
  if (!d || d.action !== 'warn') return { ok: false, error: 'This address is not one the policy warns about.' };
  // The justification goes to IT with the report, so it must hold nothing the policy
  // protects: the engine scans it first, and the server refuses it again if it does.
  const [policy, person] = await Promise.all([currentPolicy(), who()]);
  const { v } = await inspectParts(policy.engine, [{ kind: 'plain', text }], 'typing', person, url);
  const found = describeCounts(v.counts);
  if (found.length) {
    return { ok: false, error: `Your explanation goes to IT with this visit, so it must not contain personal or confidential data. Remove the ${found.join(', ')} and try again.` };
  }
  if (!(await takeShownWarning(sender, d.host))) return { ok: false, error: 'Lifeguard did not send this tab here: open the site again to continue.' };
  await allowTemporarily(d.host);
  await record({ kind: 'visit_proceeded', host: d.host, rule: d.rule, category: d.category, action: 'warn', justification: text });
  return { ok: true, minutes: ALLOW_MINUTES };
}

/**
 * A request the server filed: reported like every other attempt, with the rule that blocked
 * the address it is for.
 * @param {{url?: string}} body
 */
async function onApprovalFiled(body) {
  let host = null;
  try {
    host = body.url ? new URL(body.url).hostname : null;
  } catch {
    host = null;
  }
  const d = body.url ? await decide(body.url) : null;
  await record({ kind: 'approval_requested', host: d?.host ?? host, rule: d?.rule, category: d?.category });
}

/**
 * Sends what is queued: approval requests first (a filed one adds a report event), then the
 * report events.
 * @param {{force?: boolean}} [opts]
 */
async function sendQueued(opts) {
  await flushApprovals(onApprovalFiled);
  await flush(opts);
}

/** @returns {Promise<import('../shared/messages.js').Status>} */
async function status() {
  const [policy, sync, queue, config, person, rules, networkGuard] = await Promise.all([currentPolicy(), syncStatus(), queueState(), readConfig(), who(), rulesStatus(), networkGuardStatus()]);
  const { expiresAt, stale } = freshness(policy);
  return {
    policyVersion: policy.version,
    policySource: policy.source,
    publishedAt: policy.stored?.publishedAt ?? null,
    expiresAt,
    stale,
    policyKey: !config.serverUrl ? null : config.policyPublicKey ? 'managed' : 'first-use',
    lastSyncAt: sync.lastSyncAt,
    lastAttemptAt: sync.lastAttemptAt,
    reachable: sync.reachable,
    lastError: sync.lastError,
    lastRefused: sync.lastRefused,
    configured: Boolean(config.serverUrl && config.deviceToken),
    serverUrl: config.serverUrl,
    department: person.department,
    user: person.email,
    userTrusted: person.user !== null,
    queued: queue.queued,
    dropped: queue.dropped,
    inspectedHosts: JSON.parse(policy.engine.inspectedHosts()),
    extensionVersion: extensionVersion(),
    networkGuard,
    rules,
  };
}
