/**
 * What content scripts ask the service worker: to inspect what a paste, drop, file choice or
 * typed message brings into a page that cannot run the engine itself, to record the outcome
 * of a paste (sanitised here: the host is the sender's, never the message's), and for the
 * verified policy the in-page engine decides with.
 */
import { PASTE_KINDS } from '../shared/messages.js';
import { MAX_FILE_BYTES, inspectParts } from '../shared/inspect.js';
import { visitor, who } from './config.js';
import { hostOf } from './decide.js';
import { currentPolicy } from './policy-store.js';
import { record } from './reports.js';

/**
 * The page a content script speaks for. A frame with no URL of its own (about:blank,
 * srcdoc, a blob:) has its parent's origin, which is what the policy decides on.
 * @param {chrome.runtime.MessageSender} sender
 * @returns {string}
 */
export function pageOf(sender) {
  const url = sender.url ?? '';
  return /^(about|data|blob):/.test(url) && sender.origin && sender.origin !== 'null' ? `${sender.origin}/` : url;
}

/**
 * A paste outcome from a content script. The host is the sender's, never the message's.
 * @param {import('../shared/messages.js').PasteReport} e
 * @param {chrome.runtime.MessageSender} sender
 */
export async function onPasteReport(e, sender) {
  if (!e || !PASTE_KINDS.has(e.kind)) return { ok: false, error: 'not a paste report' };
  const host = hostOf(pageOf(sender));
  /** @type {Record<string, number>} */
  const detectors = {};
  for (const [k, v] of Object.entries(e.detectors ?? {})) {
    if (/^[a-z0-9_]{1,40}$/.test(k) && Number.isInteger(v) && v > 0) detectors[k] = v;
  }
  const rule = typeof e.rule === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(e.rule) ? e.rule : null;
  const action = ['allow', 'redact', 'warn', 'block'].includes(e.action) ? e.action : null;
  await record({ kind: e.kind, host, rule, action, detectors });
  return { ok: true };
}

/** Largest text flavour the service worker inspects for a content script (16 MiB). */
const MAX_SCAN_CHARS = 16 * 1024 * 1024;

const VIAS = new Set(['paste', 'drop', 'file', 'typing', 'request']);

/**
 * Inspects what a content script that cannot run the engine read from a paste, drop or file
 * choice: the flavours as they are, file bytes for lifeguard-extract. The page is the
 * sender's, never the message's.
 * @param {unknown} parts
 * @param {unknown} via
 * @param {unknown} prior the answer so far for the same action (a text file in chunks)
 * @param {chrome.runtime.MessageSender} sender
 */
export async function onInspect(parts, via, prior, sender) {
  if (!Array.isArray(parts) || parts.length > 1000 || typeof via !== 'string' || !VIAS.has(via)) return { ok: false, error: 'not an inspection' };
  if (prior !== undefined && (typeof prior !== 'string' || prior.length > 1024 * 1024)) return { ok: false, error: 'not an inspection' };
  let size = 0;
  for (const p of parts) {
    const ok =
      (p?.kind === 'plain' && typeof p.text === 'string') ||
      (p?.kind === 'html' && typeof p.html === 'string') ||
      (p?.kind === 'rtf' && typeof p.rtf === 'string') ||
      (p?.kind === 'filetext' && typeof p.text === 'string') ||
      (p?.kind === 'file' && typeof p.name === 'string' && typeof p.type === 'string' && typeof p.base64 === 'string' && p.base64.length <= (MAX_FILE_BYTES * 4) / 3 + 4) ||
      (p?.kind === 'unreadable' && typeof p.reason === 'string');
    if (!ok) return { ok: false, error: 'not an inspection' };
    size += p.text?.length ?? p.html?.length ?? p.rtf?.length ?? p.base64?.length ?? 0;
  }
  if (size > 2 * MAX_SCAN_CHARS + MAX_FILE_BYTES * 2) return { ok: false, error: 'too much to inspect' };
  const [policy, person] = await Promise.all([currentPolicy(), who()]);
  const { v, formats } = await inspectParts(policy.engine, parts, /** @type {import('../shared/messages.js').Via} */ (via), person, pageOf(sender), /** @type {string|undefined} */ (prior));
  return { ok: true, inspection: v, formats };
}

/**
 * The verified policy in force, for the guards that run the engine in the page: they never
 * read the policy from storage, which pages' content scripts can write.
 */
export async function pagePolicy() {
  const [policy, person] = await Promise.all([currentPolicy(), who()]);
  const { department, user, userHash } = await visitor(policy, person);
  return { ok: true, policyJson: policy.stored ? policy.stored.policyJson : null, who: { department, user, userHash } };
}
