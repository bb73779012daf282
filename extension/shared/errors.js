/**
 * Error text for logs and the popup, whatever was thrown (WebCrypto, fetch and chrome.*
 * throw DOMExceptions, TypeErrors and sometimes strings).
 */

/**
 * @param {unknown} e
 * @returns {string}
 */
export function errorText(e) {
  return e instanceof Error ? e.message : String(e);
}
