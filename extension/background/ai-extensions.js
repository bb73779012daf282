/**
 * AI built into other software (APP 04.05 §II): installed browser extensions that the
 * policy's `known_ai_extensions` lists are reported, once per extension and state, so IT
 * can see them next to the sites staff visit. Nothing is disabled from here: removing an
 * extension is IT's decision (ExtensionSettings in the deployment templates).
 */
import { extensionId, management, storage } from '../shared/chrome.js';
import { record } from './reports.js';

const REPORTED_KEY = 'aiExtensionsReported';

/**
 * Compares installed extensions with the policy's list; reports what is new or changed.
 * @param {any} policyDocument the policy in force (parsed)
 * @returns {Promise<{id: string, name: string, enabled: boolean}[]>} the known AI extensions installed
 */
export async function checkAiExtensions(policyDocument) {
  /** @type {Map<string, string>} */
  const known = new Map((policyDocument?.known_ai_extensions ?? []).map((/** @type {any} */ e) => [e.id, e.name]));
  if (known.size === 0) return [];
  let installed = [];
  try {
    installed = await management.getAll();
  } catch {
    return [];
  }
  const found = installed.filter((x) => x.id !== extensionId() && known.has(x.id)).map((x) => ({ id: x.id, name: known.get(x.id) ?? x.name, enabled: x.enabled }));
  const { [REPORTED_KEY]: reported = {} } = await storage.get('local', REPORTED_KEY);
  /** @type {Record<string, boolean>} */
  const next = {};
  for (const x of found) {
    next[x.id] = x.enabled;
    if (reported[x.id] === x.enabled) continue;
    await record({ kind: 'ai_extension_found', subject: x.id, category: 'embedded_ai', action: x.enabled ? 'enabled' : 'disabled' });
  }
  await storage.set('local', { [REPORTED_KEY]: next });
  return found;
}
