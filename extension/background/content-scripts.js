/**
 * Registers the paste guard (content/) only on the hosts where lifeguard-core says pastes
 * are inspected (warned sites, authorized tools, exceptions, pilots): never on every page.
 * It runs at document_start so its capture-phase listeners are on `window` before the
 * page's own, and it is injected into tabs already open on those hosts, which is safe
 * because the guard ignores a second injection.
 */
import { scripting, tabs } from '../shared/chrome.js';

const SCRIPT_ID = 'lifeguard-paste-guard';
const FILES = ['content/loader.js'];

/**
 * Match patterns for a host and its subdomains (IP addresses have none).
 * @param {string} host
 * @returns {string[]}
 */
export function patternsFor(host) {
  const ip = /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.startsWith('[');
  return ip ? [`*://${host}/*`] : [`*://${host}/*`, `*://*.${host}/*`];
}

/**
 * Brings the registration in line with the policy's inspected hosts.
 * @param {import('../wasm/lifeguard_core.js').WasmEngine} engine
 * @returns {Promise<{hosts: string[], refused: string[]}>}
 */
export async function syncContentScripts(engine) {
  /** @type {string[]} */
  const hosts = JSON.parse(engine.inspectedHosts());
  const wanted = hosts.flatMap(patternsFor).sort();
  const [existing] = await scripting.getRegistered([SCRIPT_ID]);
  const have = [...(existing?.matches ?? [])].sort();
  /** @type {string[]} */
  const refused = [];
  // A registration from an earlier version without the frame fallback is replaced too.
  if (JSON.stringify(have) !== JSON.stringify(wanted) || (existing && !existing.matchOriginAsFallback)) {
    if (existing) await scripting.unregister([SCRIPT_ID]);
    if (wanted.length) {
      let matches = wanted;
      try {
        await register(matches);
      } catch (e) {
        // One bad pattern fails the whole call: find it, report it, register the rest.
        matches = [];
        for (const p of wanted) {
          if (await validPattern(p)) matches.push(p);
          else refused.push(p);
        }
        console.error('Lifeguard: match patterns refused by the browser:', refused, e);
        if (matches.length) await register(matches);
      }
      await injectIntoOpenTabs(matches);
    }
  }
  return { hosts, refused };
}

/** @param {string[]} matches */
function register(matches) {
  return scripting.register([
    // matchOriginAsFallback: also about:blank, srcdoc and blob: frames of these hosts'
    // pages, where an editor can live with the page's origin but no URL of its own.
    { id: SCRIPT_ID, js: FILES, matches, runAt: 'document_start', allFrames: true, matchOriginAsFallback: true, persistAcrossSessions: true, world: 'ISOLATED' },
  ]);
}

/** @param {string} pattern */
async function validPattern(pattern) {
  const probe = `${SCRIPT_ID}-probe`;
  try {
    await scripting.register([{ id: probe, js: FILES, matches: [pattern], persistAcrossSessions: false }]);
    await scripting.unregister([probe]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Registration only affects pages loaded later; guard the ones already open too.
 * @param {string[]} matches
 */
async function injectIntoOpenTabs(matches) {
  let open = [];
  try {
    open = await tabs.query(matches);
  } catch {
    return;
  }
  for (const tab of open) {
    if (tab.id === undefined) continue;
    scripting.inject(tab.id, FILES).catch(() => {
      // The tab navigated away or is an error page: nothing to guard.
    });
  }
}
