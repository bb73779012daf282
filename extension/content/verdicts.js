/**
 * Carrying out a verdict that is not "allow": the notice or the warning staff see, and the
 * report (detector ids and counts, never the text).
 *
 * - block: nothing is inserted, and a notice names the kinds of data found;
 * - redact: the text is inserted with typed placeholders (`[SSN]`), as plain text;
 * - warn: "Paste with the data removed", "Paste anyway" or "Cancel".
 */
import { send } from '../shared/chrome.js';
import { MSG } from '../shared/messages.js';
import { askWarning, showNotice } from './notice.js';

/** @typedef {import('./captured.js').Captured} Captured */
/** @typedef {import('../shared/messages.js').Inspection} Inspection */

/**
 * Reports an event the engine named, if it named one.
 * @param {string|null} kind the event the engine named (a PasteReport kind)
 * @param {{action: import('../shared/messages.js').ContentAction, rule: string|null}} v
 * @param {Record<string, number>} detectors
 * @param {Captured['via']|'typing'} via
 */
export function report(kind, v, detectors, via) {
  if (kind) send({ type: MSG.report, event: { kind: /** @type {import('../shared/messages.js').PasteReport['kind']} */ (kind), action: v.action, rule: v.rule, detectors, via } });
}

/**
 * Applies a verdict that is not "allow".
 * @param {Pick<Inspection, 'action'|'rule'|'policy_ref'|'message'|'counts'|'unreadable'|'report'>} v
 * @param {Captured} c
 * @param {{original: () => void, redacted: () => void}} put how to let the original or the redacted data in
 */
export function carryOut(v, c, put) {
  const what = c.via === 'paste' ? 'Paste' : c.via === 'drop' ? 'Drop' : 'File';
  const unreadableOnly = v.unreadable.length > 0 && Object.keys(v.counts).length === 0;
  if (v.action === 'block') {
    const title = unreadableOnly ? `${what} blocked: the file could not be checked` : `${what} blocked: sensitive data found`;
    showNotice({ title, message: v.message, policyRef: v.policy_ref, counts: v.counts, tone: 'block' });
    report(v.report.now, v, v.counts, c.via);
  } else if (v.action === 'redact') {
    put.redacted();
    showNotice({ title: 'Sensitive data was replaced with placeholders', message: v.message, policyRef: v.policy_ref, counts: v.counts, tone: 'ok' });
    report(v.report.now, v, v.counts, c.via);
  } else {
    const verb = c.files.length ? 'Upload' : 'Paste';
    askWarning({ title: unreadableOnly ? 'This file could not be checked' : undefined, verb, message: v.message, policyRef: v.policy_ref, counts: v.counts }).then((choice) => {
      if (choice === 'anyway') put.original();
      else if (choice === 'redacted') put.redacted();
      else c.target?.focus();
      report(v.report[choice === 'anyway' ? 'anyway' : choice === 'redacted' ? 'redacted' : 'cancel'], v, v.counts, c.via);
    });
  }
}

/**
 * A decision that failed: nothing is let through, and staff are told.
 * @param {Captured} c
 * @param {unknown} err
 */
export function failed(c, err) {
  // A decision that failed must not let the data through.
  console.error('Lifeguard: could not check the paste', err);
  if (c.via === 'file') /** @type {HTMLInputElement} */ (c.target).value = '';
  showNotice({ title: `The ${c.via === 'file' ? 'file' : 'paste'} could not be checked, so it was not added`, message: null, policyRef: null, counts: {}, tone: 'block' });
}
