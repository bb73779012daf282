/**
 * Helpers shared by the block, warn, popup and options pages. Values from the policy or the
 * URL are attacker-influenced (a page can navigate to these pages with any query), so they
 * only ever reach the DOM through textContent and checked hrefs.
 */

/** The original address: everything after `#` (the DNR rule appends it there). */
export function originalUrl() {
  return decodeURIComponentSafe(location.hash.slice(1));
}

/** @param {string} s */
function decodeURIComponentSafe(s) {
  // The DNR substitution puts the URL in as is; only a hand-typed one is encoded.
  if (/^https?:\/\//i.test(s)) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el;
}

/**
 * @param {string} id
 * @param {string|null|undefined} text
 */
export function setText(id, text) {
  const el = $(id);
  el.textContent = text ?? '';
  return el;
}

/**
 * A link target only if it is a web URL (never `javascript:`).
 * @param {string|null|undefined} url
 */
export function safeHref(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** @param {number|null|undefined} ms */
export function formatTime(ms) {
  if (!ms) return 'never';
  return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** The host of a URL, or the URL itself. */
export function hostOf(/** @type {string} */ url) {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}
