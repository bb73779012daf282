/**
 * The toolbar popup: what this browser enforces (policy version, last sync, whether the
 * server answers, whether the network line checks what pages send), whether that policy is
 * out of date (its signed bundle expired) or checked with a key IT did not set, and "Sync
 * now", which also sends waiting reports.
 */
import { send } from '../../shared/chrome.js';
import { MSG } from '../../shared/messages.js';
import { $, formatTime, setText } from '../common/page.js';

/** @param {import('../../shared/messages.js').Status} s */
function show(s) {
  setText('policy', s.policySource === 'server' ? `version ${s.policyVersion}${s.publishedAt ? `, published ${formatTime(Date.parse(s.publishedAt))}` : ''}` : `built-in city policy (version ${s.policyVersion})`);
  setText('last-sync', s.configured ? formatTime(s.lastSyncAt) : 'not connected to a server');
  setText('server', !s.configured ? 'not configured by IT' : s.reachable === null ? 'not contacted yet' : s.reachable ? 'reachable' : 'not reachable');
  setText('queued', s.dropped ? `${s.queued} (${s.dropped} dropped)` : String(s.queued));
  // The second line behind the paste guard; off where the browser withholds the permission.
  setText('network', s.networkGuard.on ? 'on' : 'off').dataset.state = s.networkGuard.on ? 'on' : 'off';
  const why = setText('network-why', s.networkGuard.on ? '' : `Network check off: ${s.networkGuard.reason ?? 'unknown reason'}`);
  why.hidden = s.networkGuard.on;
  // Tenant restrictions: on these vendors' hosts only the City's workspace signs in.
  const domains = [...new Set((s.rules?.tenantHeaders ?? []).flatMap((t) => t.domains))];
  setText('workspace', domains.length ? `City workspace only on ${domains.join(', ')}` : '');
  $('workspace').hidden = $('workspace-label').hidden = !domains.length;
  // An expired bundle is still enforced (never no policy), but staff and IT must know.
  const stale = setText('stale', s.stale && s.expiresAt ? `This policy is out of date: it expired on ${formatTime(Date.parse(s.expiresAt))} and no current one has reached this browser since. It is still enforced. Tell the IT help desk.` : '');
  stale.hidden = !s.stale;
  const key = setText(
    'key-warning',
    s.policyKey === 'first-use'
      ? 'IT has not set the policy key on this browser: it trusts whatever key the server presented at first contact (trust on first use, meant for test set-ups such as scripts/run.sh, not for City devices). Tell the IT help desk.'
      : '',
  );
  key.hidden = s.policyKey !== 'first-use';
  const problems = [s.lastError, s.rules?.error ? `The browser refused the site and account rules (the previous ones stay): ${s.rules.error}` : null].filter(Boolean);
  const problem = $('problem');
  problem.hidden = !problems.length;
  problem.textContent = problems.join(' ');
}

async function refresh() {
  const reply = await send({ type: MSG.status });
  if (reply.ok) show(reply.status);
  else setText('result', reply.error);
}

$('sync').addEventListener('click', async () => {
  const button = /** @type {HTMLButtonElement} */ ($('sync'));
  button.disabled = true;
  setText('result', 'Syncing…');
  const reply = await send({ type: MSG.syncNow });
  button.disabled = false;
  if (!reply.ok) {
    setText('result', reply.error);
    return;
  }
  show(reply.status);
  const words = { updated: 'New policy installed.', unchanged: 'The policy is up to date.', failed: 'Sync failed.', 'not-configured': 'This browser is not connected to a Lifeguard server.' };
  setText('result', words[/** @type {keyof typeof words} */ (reply.outcome)] ?? String(reply.outcome));
});

refresh();
