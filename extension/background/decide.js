/**
 * What the policy in force decides about a visit by this browser's user: the one place the
 * service worker's modules ask (the pages, approval requests, navigation checks), and the
 * host a report names for an address.
 */
import { nowSeconds } from '../shared/engine.js';
import { visitor, who } from './config.js';
import { currentPolicy } from './policy-store.js';

/**
 * @param {string} url
 * @returns {Promise<import('../shared/messages.js').Decision|null>}
 */
export async function decide(url) {
  const [policy, person] = await Promise.all([currentPolicy(), who()]);
  const v = await visitor(policy, person);
  try {
    return JSON.parse(policy.engine.decide(String(url), v.department, v.user, v.userHash, nowSeconds()));
  } catch {
    return null;
  }
}

/**
 * The host of an address, as reports name it.
 * @param {string|null|undefined} url
 * @returns {string|null} lowercased, without a trailing dot; null for no address or a bad one
 */
export function hostOf(url) {
  if (!url) return null;
  try {
    return new URL(url).hostname.replace(/\.$/, '') || null;
  } catch {
    return null;
  }
}
