/**
 * Report events: every block, warning, proceed, paste decision and approval request.
 *
 * Each event gets a UUID when it happens and goes into a bounded queue in
 * chrome.storage.local before anything else is done with it, so a stopped service worker or
 * a closed browser loses nothing. Each queued event is its own storage item, keyed
 * `rq:<time>:<uuid>` so keys sort by age: adding or removing one never rewrites a backlog of
 * thousands. Batches are sent to `POST /v1/reports`; an event leaves the
 * queue only when the server has answered for it (accepted, already stored, or rejected), so
 * a batch whose answer is lost is simply sent again and the server, keyed by the UUID,
 * stores it once. Failures back off exponentially, driven by chrome.alarms because the
 * worker's own timers die with it.
 *
 * Events never hold what was pasted or typed: detector ids and counts only. The one piece of
 * free text is a warn page's justification, which the service worker scans with the engine
 * before it is recorded (and the server scans again).
 */
import { alarms, extensionId, extensionVersion, storage } from '../shared/chrome.js';
import { readConfig, who } from './config.js';
import { currentPolicy } from './policy-store.js';
import { VOCABULARY } from '../shared/vocabulary.js';

/** Most events kept; older ones are dropped (and counted) beyond it. */
export const MAX_QUEUE = 5000;
/** Events per request: the server takes up to 1000; 50 keeps each request small. */
const BATCH = 50;
/** Prefix of queued events' storage keys. */
export const QUEUE_PREFIX = 'rq:';
const DROPPED_KEY = 'reportDropped';
const BACKOFF_KEY = 'reportBackoff';
export const FLUSH_ALARM = 'reports-flush';
/** Longest justification, in characters (lifeguard-core's, through the vocabulary). */
export const MAX_JUSTIFICATION = VOCABULARY.max_justification;

/**
 * @typedef {object} ReportEvent
 * @property {string} id
 * @property {string} kind
 * @property {string} time RFC 3339
 * @property {string} [host]
 * @property {string} [rule]
 * @property {string} [category]
 * @property {string} [action]
 * @property {Record<string, number>} [detectors]
 * @property {number} [count] how many, for a kind that counts (reports_dropped)
 * @property {string} [subject] what it is about beyond its rule (ai_extension_found: the extension's id)
 * @property {string} [justification] why the user went on after a warn page (scanned first)
 * @property {string} [user]
 * @property {string} [department]
 * @property {string} extension_version
 * @property {number} [policy_version]
 * @property {string} extension_id
 */

/** Serialises every read-modify-write of the queue: events arrive while a batch is out. */
let lock = Promise.resolve();
/**
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<T>}
 */
function locked(fn) {
  const run = lock.then(fn, fn);
  lock = run.then(
    () => undefined,
    () => undefined,
  );
  return run;
}

/**
 * Drops null and empty fields: the server refuses empty strings.
 * @param {Record<string, any>} o
 */
function compact(o) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [k, v] of Object.entries(o)) {
    if (v === null || v === undefined || v === '') continue;
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Records an event. Resolves once it is stored.
 * @param {{kind: string, host?: string|null, rule?: string|null, category?: string|null, action?: string|null, detectors?: Record<string, number>, subject?: string|null, justification?: string|null}} e
 * @returns {Promise<ReportEvent>}
 */
export async function record(e) {
  const [person, policy] = await Promise.all([who(), currentPolicy()]);
  const event = /** @type {ReportEvent} */ (
    compact({
      id: crypto.randomUUID(),
      kind: e.kind,
      time: new Date().toISOString(),
      host: e.host,
      rule: e.rule,
      category: e.category,
      action: e.action,
      detectors: e.detectors,
      subject: e.subject,
      justification: e.justification,
      user: person.email,
      department: person.department,
      extension_version: extensionVersion(),
      policy_version: policy.version,
      extension_id: extensionId(),
    })
  );
  const key = `${QUEUE_PREFIX}${Date.now().toString(36).padStart(10, '0')}:${event.id}`;
  await locked(async () => {
    await storage.set('local', { [key]: event });
    const queued = await queuedKeys();
    if (queued.length > MAX_QUEUE) {
      // Keep the newest: an old backlog matters less than what is happening now.
      const drop = queued.slice(0, queued.length - MAX_QUEUE);
      const { [DROPPED_KEY]: dropped = 0 } = await storage.get('local', DROPPED_KEY);
      await storage.remove('local', drop);
      await storage.set('local', { [DROPPED_KEY]: dropped + drop.length });
    }
  });
  scheduleSoon();
  return event;
}

/** Sends soon, without waiting: the caller has already been answered. */
function scheduleSoon() {
  flush().catch((e) => console.warn('Lifeguard: report flush failed', e));
}

/** The queued events' keys, oldest first. */
async function queuedKeys() {
  return (await storage.keys('local')).filter((k) => k.startsWith(QUEUE_PREFIX)).sort();
}

/** @returns {Promise<{queued: number, dropped: number}>} */
export async function queueState() {
  const [keys, got] = await Promise.all([queuedKeys(), storage.get('local', DROPPED_KEY)]);
  return { queued: keys.length, dropped: got[DROPPED_KEY] ?? 0 };
}

/** @type {Promise<void>|null} */
let flushing = null;

/**
 * Sends everything queued, batch by batch, unless a backoff is running (`force` ignores it:
 * "Sync now"). One flush at a time.
 * @param {{force?: boolean}} [opts]
 */
export function flush(opts = {}) {
  flushing ??= doFlush(opts).finally(() => {
    flushing = null;
  });
  return flushing;
}

/** @param {{force?: boolean}} opts */
async function doFlush({ force = false }) {
  const config = await readConfig();
  if (!config.serverUrl || !config.deviceToken) return;
  const { [BACKOFF_KEY]: backoff } = await storage.get('local', BACKOFF_KEY);
  if (!force && backoff && backoff.nextAt > Date.now()) return;
  await reportDrops();
  for (;;) {
    const keys = (await queuedKeys()).slice(0, BATCH);
    if (keys.length === 0) break;
    const got = await storage.get('local', keys);
    /** @type {ReportEvent[]} */
    const batch = keys.map((k) => got[k]).filter(Boolean);
    let answer;
    try {
      const res = await fetch(`${config.serverUrl}/v1/reports`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${config.deviceToken}` },
        body: JSON.stringify({ events: batch }),
        cache: 'no-store',
      });
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      answer = await res.json();
    } catch (e) {
      await backOff(backoff, e);
      return;
    }
    // Whatever the server answered for (stored now, stored before, or refused for good)
    // leaves the queue; anything it did not mention stays for the next try.
    const done = new Set([...(answer.accepted ?? []), ...(answer.duplicates ?? []), ...(answer.rejected ?? []).map((/** @type {any} */ r) => r.id)]);
    for (const r of answer.rejected ?? []) console.warn('Lifeguard: the server refused report event', r);
    await storage.remove('local', keys.filter((k) => done.has(k.slice(k.lastIndexOf(':') + 1))));
    if (done.size === 0) {
      // Nothing in the batch was answered for: sending it again now would loop.
      await backOff(backoff, new Error('the server answered for none of the events'));
      return;
    }
  }
  await storage.remove('local', BACKOFF_KEY);
}

/**
 * @param {{failures: number, nextAt: number}|undefined} previous
 * @param {unknown} error
 */
async function backOff(previous, error) {
  const failures = (previous?.failures ?? 0) + 1;
  // 30 s (the shortest alarm Chrome allows), doubling, at most 15 minutes.
  const delayMs = Math.min(30_000 * 2 ** (failures - 1), 15 * 60_000);
  await storage.set('local', { [BACKOFF_KEY]: { failures, nextAt: Date.now() + delayMs, error: String(error) } });
  await alarms.create(FLUSH_ALARM, { when: Date.now() + delayMs, periodInMinutes: 1 });
}

/** Turns the drop counter into an event once, so IT learns that events were lost. */
async function reportDrops() {
  const n = await locked(async () => {
    const { [DROPPED_KEY]: dropped = 0 } = await storage.get('local', DROPPED_KEY);
    if (dropped === 0) return 0;
    const [person, policy] = await Promise.all([who(), currentPolicy()]);
    const event = compact({
      id: crypto.randomUUID(),
      kind: 'reports_dropped',
      time: new Date().toISOString(),
      count: dropped,
      user: person.email,
      department: person.department,
      extension_version: extensionVersion(),
      policy_version: policy.version,
      extension_id: extensionId(),
    });
    // "!" sorts before every time stamp, so it goes in the next batch.
    await storage.set('local', { [`${QUEUE_PREFIX}!:${event.id}`]: event, [DROPPED_KEY]: 0 });
    return dropped;
  });
  if (n) console.warn(`Lifeguard: ${n} report events were dropped because the queue was full`);
}

/** Makes sure a periodic flush exists (a worker restart keeps alarms, a browser restart may not). */
export async function ensureFlushAlarm() {
  if (!(await alarms.get(FLUSH_ALARM))) await alarms.create(FLUSH_ALARM, { periodInMinutes: 1 });
}
