/**
 * Approval requests (APP 04.05 §IV.2) from the block page, sent exactly once like report
 * events (reports.js).
 *
 * Each request gets a UUID when staff send it and is kept in chrome.storage.local, keyed
 * `aq:<time>:<uuid>`, before it is sent; it leaves the queue only when the server has answered
 * for it: filed (201), filed before (200, the same UUID sent again), or refused for good (any
 * other 4xx but 408 and 429, with the server's reason). A request made while the server is down
 * or failing stays queued and goes out with the next flush (the reports' alarm, a sync, "Sync
 * now"); the server, keyed by the UUID, files it once however often it arrives.
 */
import { storage } from '../shared/chrome.js';
import { readConfig } from './config.js';

/** Prefix of queued requests' storage keys. */
export const APPROVAL_PREFIX = 'aq:';

/** Longest answer the server takes per field (approvals.rs). */
const MAX_FIELD = 4000;

/**
 * @typedef {{id: string, requester: string, tool?: string, url?: string, objective: string, why_ai: string, alternatives: string, data?: string}} ApprovalBody
 * @typedef {(body: ApprovalBody) => Promise<void>} OnFiled called once per request the server filed now
 */

/**
 * What the block page sent, as the server takes it, with a new UUID.
 * @param {import('../shared/messages.js').ApprovalRequest} request
 * @returns {ApprovalBody}
 */
function body(request) {
  const text = (/** @type {unknown} */ v) => String(v ?? '').slice(0, MAX_FIELD);
  const optional = (/** @type {unknown} */ v) => (v ? text(v) : undefined);
  return {
    id: crypto.randomUUID(),
    requester: text(request?.requester).trim(),
    tool: optional(request?.tool),
    url: optional(request?.url),
    objective: text(request?.objective),
    why_ai: text(request?.why_ai),
    alternatives: text(request?.alternatives),
    data: optional(request?.data),
  };
}

/**
 * Sends one queued request. `sent`: the server filed it (now or before), `refused`: it never
 * will (the reason is the server's), `later`: not answered for; it stays queued.
 * @param {string} key
 * @param {ApprovalBody} b
 * @param {{serverUrl: string|null, deviceToken: string|null}} config
 * @param {OnFiled} onFiled
 * @returns {Promise<{outcome: 'sent', id: string, status: string} | {outcome: 'refused', error: string} | {outcome: 'later'}>}
 */
async function sendOne(key, b, config, onFiled) {
  let res;
  try {
    res = await fetch(`${config.serverUrl}/v1/approvals`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${config.deviceToken}` },
      body: JSON.stringify(b),
      cache: 'no-store',
    });
  } catch {
    return { outcome: 'later' };
  }
  if (res.status >= 500 || res.status === 408 || res.status === 429) return { outcome: 'later' };
  const answer = await res.json().catch(() => ({}));
  await storage.remove('local', key);
  if (!res.ok) {
    console.warn('Lifeguard: the server refused an approval request', res.status, answer);
    return { outcome: 'refused', error: typeof answer.error === 'string' ? answer.error : `The server answered ${res.status}.` };
  }
  if (res.status === 201) await onFiled(b);
  return { outcome: 'sent', id: String(answer.id ?? b.id), status: String(answer.status ?? 'submitted') };
}

/** @returns {Promise<string[]>} the queued requests' keys, oldest first */
async function queuedKeys() {
  return (await storage.keys('local')).filter((k) => k.startsWith(APPROVAL_PREFIX)).sort();
}

/**
 * Files a request from the block page: queued first, then sent at once if the server can take
 * it. Answers what the page should say.
 * @param {import('../shared/messages.js').ApprovalRequest} request
 * @param {OnFiled} onFiled
 */
export async function submitApproval(request, onFiled) {
  const config = await readConfig();
  if (!config.serverUrl || !config.deviceToken) {
    return { ok: false, error: 'This browser is not connected to the City\u2019s Lifeguard server; contact the IT help desk.' };
  }
  const b = body(request);
  const key = `${APPROVAL_PREFIX}${Date.now().toString(36).padStart(10, '0')}:${b.id}`;
  await storage.set('local', { [key]: b });
  const r = await sendOne(key, b, config, onFiled);
  if (r.outcome === 'sent') return { ok: true, id: r.id, status: r.status };
  if (r.outcome === 'refused') return { ok: false, error: r.error };
  return { ok: true, id: b.id, status: 'queued', queued: true };
}

/** @type {Promise<void>|null} */
let flushing = null;

/**
 * Sends every queued request, oldest first, until the server stops answering. One flush at a
 * time.
 * @param {OnFiled} onFiled
 */
export function flushApprovals(onFiled) {
  flushing ??= (async () => {
    const config = await readConfig();
    if (!config.serverUrl || !config.deviceToken) return;
    for (const key of await queuedKeys()) {
      const { [key]: b } = await storage.get('local', key);
      if (!b) continue;
      if ((await sendOne(key, b, config, onFiled)).outcome === 'later') return;
    }
  })().finally(() => {
    flushing = null;
  });
  return flushing;
}

/** @returns {Promise<number>} requests waiting for the server */
export async function queuedApprovals() {
  return (await queuedKeys()).length;
}
