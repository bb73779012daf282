/**
 * The warn page: the site is allowed with care. The user must type why they need it; the
 * service worker then opens the host for a limited time (a session DNR allow rule), records
 * the choice, and the page goes on to the original address.
 */
import { send } from '../../shared/chrome.js';
import { MSG } from '../../shared/messages.js';
import { $, hostOf, originalUrl, setText } from '../common/page.js';
import { VOCABULARY } from '../../shared/vocabulary.js';

const url = originalUrl();

// The longest explanation the server takes (lifeguard-core's bound).
/** @type {HTMLTextAreaElement} */ ($('justification')).maxLength = VOCABULARY.max_justification;

async function main() {
  setText('host', hostOf(url));
  const first = !history.state?.lifeguardReported;
  const reply = first ? await send({ type: MSG.pageShown, page: 'warn', url }) : await send({ type: MSG.decideVisit, url });
  if (first) history.replaceState({ ...(history.state ?? {}), lifeguardReported: true }, '');
  /** @type {import('../../shared/messages.js').Decision|null} */
  const d = reply.ok ? reply.decision : null;
  setText('message', d?.message || 'This site is allowed only with care under the City\u2019s AI-use policy.');
  if (d) {
    setText('host', d.host);
    setText('rule', d.rule ?? '');
    setText('policy-ref', d.policy_ref ?? 'APP 04.05');
    document.title = `Check before you continue: ${d.host} – Lifeguard`;
  }
  $('justification').focus();
}

$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const text = /** @type {HTMLTextAreaElement} */ ($('justification')).value.trim();
  const result = $('result');
  if (text.length < 10) {
    result.className = 'error';
    result.textContent = 'Please explain in a sentence why you need this site (at least 10 characters).';
    $('justification').setAttribute('aria-invalid', 'true');
    $('justification').focus();
    return;
  }
  const button = /** @type {HTMLButtonElement} */ ($('proceed'));
  button.disabled = true;
  const reply = await send({ type: MSG.warnProceed, url, justification: text });
  if (!reply.ok) {
    button.disabled = false;
    result.className = 'error';
    result.textContent = reply.error;
    return;
  }
  result.className = 'ok';
  result.textContent = `Allowed for ${reply.minutes} minutes. Opening the site…`;
  location.replace(url);
});

$('back').addEventListener('click', () => {
  if (history.length > 1) history.back();
  else window.close();
});

main();
