/**
 * Policy sync: `GET /v1/policy` with the device token and the ETag of the bundle held, on a
 * chrome.alarms schedule and on demand ("Sync now"). A new bundle is verified (Ed25519,
 * WebCrypto), must not be older than the one held, and must compile before it replaces it.
 *
 * The signing key comes from managed storage (`policyPublicKey`, which the deployment
 * templates require). Without it, the key the server offers at `/v1/policy/key` is pinned on
 * first contact (trust on first use, for test set-ups such as scripts/run.sh; the popup
 * warns), and a later change of key is refused until IT configures the key explicitly. The
 * pinned key lives in the trust store (trust-store.js), where no content script can replace
 * it with a rogue server's.
 */
import { alarms, storage } from '../shared/chrome.js';
import { errorText } from '../shared/errors.js';
import { readConfig } from './config.js';
import { importPublicKey, verifyBundle } from './jws.js';
import { networkGuardStatus } from './network-guard.js';
import { acceptPolicy, currentPolicy } from './policy-store.js';
import { TRUST, readTrust, writeTrust } from './trust-store.js';

export const SYNC_ALARM = 'policy-sync';
const STATUS_KEY = 'syncStatus';

/**
 * @typedef {object} SyncStatus
 * @property {number|null} lastSyncAt
 * @property {number|null} lastAttemptAt
 * @property {boolean|null} reachable
 * @property {string|null} lastError
 * @property {{reason: string, at: number}|null} lastRefused
 */

/** @returns {Promise<SyncStatus>} */
export async function syncStatus() {
  const { [STATUS_KEY]: s } = await storage.get('local', STATUS_KEY);
  return s ?? { lastSyncAt: null, lastAttemptAt: null, reachable: null, lastError: null, lastRefused: null };
}

/** @param {Partial<SyncStatus>} patch */
async function setStatus(patch) {
  const s = await syncStatus();
  await storage.set('local', { [STATUS_KEY]: { ...s, ...patch } });
}

/** (Re)creates the periodic sync alarm with the configured interval. */
export async function scheduleSync() {
  const { syncMinutes } = await readConfig();
  const existing = await alarms.get(SYNC_ALARM);
  if (!existing || existing.periodInMinutes !== syncMinutes) {
    await alarms.create(SYNC_ALARM, { delayInMinutes: existing ? syncMinutes : 0.05, periodInMinutes: syncMinutes });
  }
}

/**
 * The key bundles must be signed with: the key itself and its raw form (base64url).
 * @param {import('./config.js').Config} config
 * @returns {Promise<{key: CryptoKey, raw: string}>}
 */
async function policyKey(config) {
  if (config.policyPublicKey) return { key: await importPublicKey(config.policyPublicKey), raw: config.policyPublicKey };
  const pinned = await readTrust(TRUST.pinnedKey);
  if (pinned?.server === config.serverUrl && typeof pinned.key === 'string') return { key: await importPublicKey(pinned.key), raw: pinned.key };
  const res = await fetch(`${config.serverUrl}/v1/policy/key`, { cache: 'no-store' });
  if (!res.ok) throw new Error(`the server answered ${res.status} for its policy key`);
  const body = await res.json();
  if (typeof body.public_key !== 'string') throw new Error('the server did not send a policy key');
  const key = await importPublicKey(body.public_key);
  await writeTrust(TRUST.pinnedKey, { server: config.serverUrl, key: body.public_key, at: Date.now() });
  return { key, raw: body.public_key };
}

/** @type {Promise<'not-configured'|'unchanged'|'updated'|'failed'>|null} */
let running = null;

/** Syncs once; concurrent callers share the run. */
export function syncNow() {
  running ??= doSync().finally(() => {
    running = null;
  });
  return running;
}

async function doSync() {
  const config = await readConfig();
  if (!config.serverUrl || !config.deviceToken) return 'not-configured';
  const attemptAt = Date.now();
  const held = await currentPolicy();
  /** @type {Record<string, string>} */
  const headers = { Authorization: `Bearer ${config.deviceToken}`, Accept: 'application/jose' };
  if (held.stored?.etag) headers['If-None-Match'] = held.stored.etag;
  // The console's device list shows whether this device's network line is on.
  headers['Lifeguard-Network-Guard'] = (await networkGuardStatus()).on ? 'on' : 'off';
  let res;
  try {
    res = await fetch(`${config.serverUrl}/v1/policy`, { headers, cache: 'no-store' });
  } catch (e) {
    await setStatus({ lastAttemptAt: attemptAt, reachable: false, lastError: `cannot reach the server: ${errorText(e)}` });
    return 'failed';
  }
  if (res.status === 304) {
    await setStatus({ lastAttemptAt: attemptAt, lastSyncAt: attemptAt, reachable: true, lastError: null });
    return 'unchanged';
  }
  if (!res.ok) {
    await setStatus({ lastAttemptAt: attemptAt, reachable: true, lastError: `the server answered ${res.status} for the policy` });
    return 'failed';
  }
  const jws = await res.text();
  try {
    const { key, raw } = await policyKey(config);
    const { payload, policyJson } = await verifyBundle(jws, key);
    const outcome = await acceptPolicy({
      jws: jws.trim(),
      key: raw,
      version: payload.version,
      publishedAt: payload.published_at ?? null,
      expiresAt: payload.expires_at,
      policyJson,
      etag: res.headers.get('ETag'),
      receivedAt: Date.now(),
    });
    await setStatus({ lastAttemptAt: attemptAt, lastSyncAt: attemptAt, reachable: true, lastError: null });
    return outcome === 'accepted' ? 'updated' : 'unchanged';
  } catch (e) {
    const reason = errorText(e);
    console.error('Lifeguard: policy bundle refused:', reason);
    await setStatus({ lastAttemptAt: attemptAt, reachable: true, lastError: reason, lastRefused: { reason, at: attemptAt } });
    return 'failed';
  }
}
