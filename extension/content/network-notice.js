/**
 * The network line's part in an inspected page's top frame (background/network-guard.js):
 *
 * - when the service worker has cancelled a request from this tab because its body held data
 *   the policy blocks, it says so here: "Sending blocked: sensitive data found", with the
 *   kinds of data (counts only) and the rule's message;
 * - it keeps the service worker awake while the page is open. The worker decides requests
 *   synchronously with the engine it holds; Chrome stops an idle worker after 30 seconds, and
 *   a worker started by the request itself has no engine loaded yet and must let that request
 *   through. A message every 20 seconds (and when the tab is shown again; Chrome throttles
 *   timers in hidden tabs) counts as activity.
 *
 * Loaded by loader.js; never touches what the page sends.
 */
import { onMessage, send } from '../shared/chrome.js';
import { KEEP_AWAKE, TAB_MSG } from '../shared/messages.js';
import { showNotice } from './notice.js';

const PING_MS = 20_000;

export function start() {
  onMessage(async (message, sender) => {
    if (sender.id !== chrome.runtime.id || message?.type !== TAB_MSG.requestBlocked) return { ok: false, error: 'not for the network notice' };
    showNotice({
      title: 'Sending blocked: sensitive data found',
      message: typeof message.message === 'string' ? message.message : null,
      policyRef: typeof message.policyRef === 'string' ? message.policyRef : null,
      counts: message.counts && typeof message.counts === 'object' ? message.counts : {},
      tone: 'block',
    });
    return { ok: true };
  });
  const ping = () => {
    // Not in the Message union on purpose: the worker answers it before reading any message.
    send(/** @type {any} */ ({ type: KEEP_AWAKE })).catch(() => {});
  };
  ping();
  setInterval(ping, PING_MS);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') ping();
  });
}
