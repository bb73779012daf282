#!/usr/bin/env node
/**
 * Prints the browser's URLBlocklist (JSON array) for a Lifeguard policy: the second line of
 * defence that works without the extension (before it has started, on a fresh profile).
 *
 *   node manifest/deploy/url-blocklist.mjs [POLICY.json]   (default: the default city policy)
 *
 * generate.mjs puts the same list into every template.
 *
 * It lists the hosts (and paths) of city-wide `block` site rules. Department rules,
 * exceptions, pilots and suspensions depend on who browses, which a browser-wide list cannot
 * express, so they stay the extension's job; and a blocked host that an authorized tool, an
 * exception, a pilot or an `allow` rule opens, even partly, is left out rather than closed
 * for everyone. URLBlocklist's "host" filter covers subdomains, as Lifeguard's host rules do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The default city policy built into Lifeguard. */
export const DEFAULT_POLICY = path.join(root, 'wasm-core', 'policy', 'default-policy.json');

/** @param {string} h */
const canon = (h) => h.trim().toLowerCase().replace(/\.$/, '');
/** Whether `a` is `b` or a subdomain of it (either way round overlaps). */
const overlaps = (/** @type {string} */ a, /** @type {string} */ b) => a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);

/**
 * The URLBlocklist entries of a policy document, sorted.
 * @param {any} policy
 * @returns {string[]}
 */
export function urlBlocklist(policy) {
  /** Hosts something opens for someone. */
  const opened = new Set();
  for (const list of [policy.authorized_tools, policy.exceptions, policy.pilots]) for (const g of list ?? []) for (const h of g.hosts) opened.add(canon(h));
  for (const r of policy.site_rules ?? []) if (r.action === 'allow') for (const h of r.hosts) opened.add(canon(h));
  for (const d of policy.departments ?? []) for (const r of d.site_rules ?? []) if (r.action !== 'block') for (const h of r.hosts) opened.add(canon(h));

  const out = new Set();
  for (const r of policy.site_rules ?? []) {
    if (r.action !== 'block') continue;
    for (const host of r.hosts.map(canon)) {
      if ([...opened].some((o) => overlaps(o, host))) continue;
      if (r.paths?.length) for (const p of r.paths) out.add(`${host}${p}`);
      else out.add(host);
    }
  }
  return [...out].sort();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const policy = JSON.parse(fs.readFileSync(process.argv[2] ?? DEFAULT_POLICY, 'utf8'));
  process.stdout.write(`${JSON.stringify(urlBlocklist(policy), null, 2)}\n`);
}
