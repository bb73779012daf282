/**
 * The details page: everything the popup summarises, for staff and the help desk. Read-only:
 * configuration comes from IT through enterprise policy.
 */
import { send } from '../../shared/chrome.js';
import { MSG } from '../../shared/messages.js';
import { $, formatTime, setText } from '../common/page.js';

async function main() {
  const reply = await send({ type: MSG.status });
  if (!reply.ok) {
    setText('policy', reply.error);
    return;
  }
  /** @type {import('../../shared/messages.js').Status & {rules: any}} */
  const s = reply.status;
  setText('server', s.serverUrl ?? 'not configured (the built-in city policy applies)');
  setText('department', s.department ?? 'none');
  setText('user', !s.user ? 'not signed in (per-user permissions do not apply)' : s.userTrusted ? s.user : `${s.user} (not a City account IT vouches for: per-user permissions do not apply)`);
  setText('ext-version', s.extensionVersion);
  const validity = s.expiresAt ? `; ${s.stale ? 'out of date since' : 'valid until'} ${s.expiresAt}${s.stale ? ' (still enforced)' : ''}` : '';
  const key = s.policyKey === 'first-use' ? '; checked with the key the server presented at first contact (IT has not set policyPublicKey)' : '';
  setText('policy', s.policySource === 'server' ? `version ${s.policyVersion} from the server${s.publishedAt ? `, published ${s.publishedAt}` : ''}${validity}${key}` : `built-in city policy, version ${s.policyVersion}`);
  setText('last-sync', formatTime(s.lastSyncAt));
  setText('last-attempt', `${formatTime(s.lastAttemptAt)}${s.reachable === false ? ' (server not reachable)' : ''}`);
  setText('last-error', s.lastError ?? 'none');
  setText('last-refused', s.lastRefused ? `${formatTime(s.lastRefused.at)}: ${s.lastRefused.reason}` : 'none');
  setText('rules', s.rules ? `${s.rules.installed} installed${s.rules.error ? `; the browser refused the last update: ${s.rules.error}` : ''}` : 'not installed yet');
  setText('queued', `${s.queued}${s.dropped ? `, ${s.dropped} dropped because the queue was full` : ''}`);
  const n = s.networkGuard;
  const c = n.counts;
  setText(
    'network',
    n.on
      ? `on: since this worker started, ${c.inspected} request bodies checked, ${c.blocked} cancelled; ${c.unchecked} sent before the engine had loaded, ${c.unreadable} the browser did not show`
      : `off: ${n.reason ?? 'unknown reason'}`,
  );
  const list = $('hosts');
  list.replaceChildren(...s.inspectedHosts.map((h) => Object.assign(document.createElement('li'), { textContent: h })));
}

main();
