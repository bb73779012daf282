/**
 * The block page: what was blocked, why, the section of APP 04.05, the authorized
 * alternative, and the approval request form (§IV.2), which the service worker sends to the
 * server with the device token.
 *
 * The page is reached by a DNR redirect (`?source=S#ORIGINAL_URL`); it asks the
 * service worker to decide the original URL again rather than trusting the query, and shows
 * every policy text with textContent. The worker reports the visit only if it decided the
 * navigation that brought this frame here (background/visits.js): a site that frames or opens
 * this page with made-up parameters reports nothing.
 */
import { send } from '../../shared/chrome.js';
import { MSG } from '../../shared/messages.js';
import { $, hostOf, originalUrl, safeHref, setText } from '../common/page.js';

const url = originalUrl();

async function main() {
  setText('host', hostOf(url));
  // Report the visit once per blocked navigation, not again on reload or back.
  const first = !history.state?.lifeguardReported;
  const reply = first ? await send({ type: MSG.pageShown, page: 'block', url }) : await send({ type: MSG.decideVisit, url });
  if (first) history.replaceState({ ...(history.state ?? {}), lifeguardReported: true }, '');
  /** @type {import('../../shared/messages.js').Decision|null} */
  const d = reply.ok ? reply.decision : null;
  if (!d) {
    setText('message', 'The City\u2019s AI-use policy does not allow this site on City devices.');
    return;
  }
  setText('host', d.host);
  setText('message', d.message || 'The City\u2019s AI-use policy does not allow this site on City devices.');
  setText('rule', d.rule ?? '');
  setText('policy-ref', d.policy_ref ?? 'APP 04.05');
  document.title = `Blocked: ${d.host} – Lifeguard`;
  const alt = d.alternative && safeHref(d.alternative.url);
  if (d.alternative && alt) {
    const link = /** @type {HTMLAnchorElement} */ ($('alt-link'));
    link.href = alt;
    link.textContent = d.alternative.name;
    $('alternative').hidden = false;
  }
  if (d.source === 'suspension') {
    // A suspension (§VII) is lifted by review, not by a tool request.
    setText('approval-title', 'Your AI privileges are suspended');
    $('approval').querySelector('p')?.replaceChildren('Talk to your department head about the review.');
    $('open-form').hidden = true;
  }
  /** @type {HTMLInputElement} */ ($('tool')).value = d.host;
  const st = await send({ type: MSG.status });
  if (st.ok && st.status.user) /** @type {HTMLInputElement} */ ($('requester')).value = st.status.user;
}

$('open-form').addEventListener('click', () => {
  const form = $('form');
  form.hidden = false;
  $('open-form').setAttribute('aria-expanded', 'true');
  $('open-form').hidden = true;
  $('requester').focus();
});

$('form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const form = /** @type {HTMLFormElement} */ (ev.target);
  const data = new FormData(form);
  const get = (/** @type {string} */ k) => String(data.get(k) ?? '').trim();
  const missing = ['requester', 'tool', 'objective', 'why_ai', 'alternatives'].filter((k) => !get(k));
  const result = $('result');
  if (missing.length) {
    result.className = 'error';
    result.textContent = 'Please fill in every field.';
    $(missing[0]).focus();
    return;
  }
  const submit = /** @type {HTMLButtonElement} */ ($('submit'));
  submit.disabled = true;
  result.className = '';
  result.textContent = 'Sending…';
  const reply = await send({
    type: MSG.requestApproval,
    request: { requester: get('requester'), tool: get('tool'), url, objective: get('objective'), why_ai: get('why_ai'), alternatives: get('alternatives'), data: get('data') },
  });
  submit.disabled = false;
  if (reply.ok && reply.queued) {
    form.hidden = true;
    result.className = 'ok';
    result.textContent = `The Lifeguard server cannot be reached right now. Your request is saved on this computer and will be sent to IT as soon as it can be (reference ${String(reply.id ?? '')}).`;
  } else if (reply.ok) {
    form.hidden = true;
    result.className = 'ok';
    result.textContent = `Your request was sent to IT (reference ${String(reply.id ?? '')}). You will hear back once it has been reviewed.`;
  } else {
    result.className = 'error';
    result.textContent = `The request was not sent: ${reply.error}`;
  }
});

main();
