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
import { CONTENT_MESSAGES, KEEP_AWAKE, MSG } from '../shared/messages.js';
import { checkAiExtensions } from './ai-extensions.js';
import { flushApprovals, submitApproval } from './approvals.js';
import { onConfigChanged, readConfig, refreshWho, visitor, who } from './config.js';
import { onInspect, onPasteReport, pagePolicy } from './content-requests.js';
import { syncContentScripts } from './content-scripts.js';
import { decide } from './decide.js';
import { BLOCK_PAGE, RECOMPUTE_ALARM, checkHistoryNavigation, installRules, onAllowAlarm, rulesStatus } from './navigation.js';
import { networkGuardStatus, startNetworkGuard } from './network-guard.js';
import { onApprovalFiled, onPageShown, onWarnProceed } from './page-requests.js';
import { currentPolicy, freshness, onPolicyChanged, onPolicyTampered } from './policy-store.js';
import { FLUSH_ALARM, ensureFlushAlarm, flush, queueState, record } from './reports.js';
import { SYNC_ALARM, scheduleSync, syncNow, syncStatus } from './sync.js';
import { TRUST, readTrust, writeTrust } from './trust-store.js';
import { onNavigationStart } from './visits.js';

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
    case MSG.pagePolicy:
      return pagePolicy();
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
