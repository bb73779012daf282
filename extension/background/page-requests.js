/**
 * What the extension's block and warn pages ask the service worker: the decision to show (and
 * the visit to report, once, for a navigation this worker decided), going on from a warn page
 * with a justification (scanned before it goes to IT), and the report for an approval request
 * the server filed.
 */
import { describeCounts } from '../shared/detectors.js';
import { inspectParts } from '../shared/inspect.js';
import { who } from './config.js';
import { decide, hostOf } from './decide.js';
import { ALLOW_MINUTES, allowTemporarily } from './navigation.js';
import { currentPolicy } from './policy-store.js';
import { MAX_JUSTIFICATION, record } from './reports.js';
import { claimVisit, takeShownWarning } from './visits.js';

/**
 * The block or warn page is showing: report the visit (the DNR redirect itself is silent),
 * if this worker decided the navigation that brought the asking frame there and has not
 * reported it yet (visits.js); a page opened or framed with made-up parameters reports
 * nothing. Either way the page gets the decision to show.
 * @param {'block'|'warn'} page
 * @param {string} url
 * @param {chrome.runtime.MessageSender} sender
 */
export async function onPageShown(page, url, sender) {
  const d = await decide(url);
  if (!(await claimVisit(sender, page === 'warn' ? 'warn' : 'block', d))) return { ok: true, decision: d };
  const kind = page === 'warn' ? 'visit_warned' : 'visit_blocked';
  await record({ kind, host: d?.host ?? hostOf(url), rule: d?.rule, category: d?.category, action: d?.action });
  return { ok: true, decision: d };
}

/**
 * The user typed a justification on the warn page and goes on: only from a warn page shown
 * for a navigation this worker decided.
 * @param {string} url
 * @param {string} justification
 * @param {chrome.runtime.MessageSender} sender
 */
export async function onWarnProceed(url, justification, sender) {
  // Control characters (a pasted tab) become spaces: the server refuses them, and a refused
  // event would be lost with the visit it reports.
  const text = typeof justification === 'string' ? justification.replace(/\p{Cc}/gu, (c) => (c === '\n' ? c : ' ')).trim() : '';
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
export async function onApprovalFiled(body) {
  const d = body.url ? await decide(body.url) : null;
  await record({ kind: 'approval_requested', host: d?.host ?? hostOf(body.url), rule: d?.rule, category: d?.category });
}
