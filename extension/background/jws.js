/**
 * Verifies signed policy bundles: JWS compact serialization (RFC 7515) signed with Ed25519
 * (`alg: EdDSA`, RFC 8037), as sync-server/src/bundle.rs makes them:
 * `base64url(header) . base64url(payload) . base64url(signature)` with header
 * `{alg: "EdDSA", typ: "lifeguard-policy+jws", kid}` and payload
 * `{version, published_at, expires_at, policy}` (docs/bundle-format.md).
 *
 * WebCrypto verifies; nothing in the bundle is trusted until it has.
 */

export const BUNDLE_TYP = 'lifeguard-policy+jws';

/**
 * @param {string} s base64url without padding
 * @returns {Uint8Array<ArrayBuffer>}
 */
export function fromBase64Url(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('not base64url');
  const b64 = s.replaceAll('-', '+').replaceAll('_', '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(bin.length));
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * Imports a raw Ed25519 public key (32 bytes, base64url) for verifying.
 * @param {string} rawB64Url
 * @returns {Promise<CryptoKey>}
 */
export async function importPublicKey(rawB64Url) {
  let raw;
  try {
    raw = fromBase64Url(rawB64Url.trim());
  } catch {
    raw = new Uint8Array(0);
  }
  if (raw.length !== 32) throw new Error(`the policy public key is not a key: it must be 32 bytes of base64url (43 characters, public_key of lifeguard keys show), not ${JSON.stringify(rawB64Url.slice(0, 50))}`);
  return crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
}

/**
 * @typedef {object} BundlePayload
 * @property {number} version
 * @property {string|null} published_at
 * @property {string} expires_at RFC 3339: after it the bundle is stale (still enforced)
 * @property {object} policy
 */

/**
 * Checks a bundle's signature and shape; returns its payload. Throws an Error saying what
 * is wrong otherwise.
 * @param {string} jws
 * @param {CryptoKey} key
 * @returns {Promise<{payload: BundlePayload, policyJson: string, kid: string|null}>}
 */
export async function verifyBundle(jws, key) {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) throw new Error('the bundle is not a JWS compact serialization');
  const [h, p, s] = parts;
  let header;
  try {
    header = JSON.parse(new TextDecoder().decode(fromBase64Url(h)));
  } catch {
    throw new Error('the bundle header is not base64url JSON');
  }
  // Fix the algorithm ourselves: never let the bundle choose how it is checked.
  if (header?.alg !== 'EdDSA') throw new Error(`the bundle is signed with ${JSON.stringify(header?.alg)}, not EdDSA`);
  if (header?.typ !== BUNDLE_TYP) throw new Error(`the bundle type is ${JSON.stringify(header?.typ)}, not ${BUNDLE_TYP}`);
  const signature = fromBase64Url(s);
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, key, signature, new TextEncoder().encode(`${h}.${p}`));
  if (!ok) throw new Error('the bundle signature does not verify with the policy key');
  /** @type {BundlePayload} */
  let payload;
  try {
    payload = JSON.parse(new TextDecoder().decode(fromBase64Url(p)));
  } catch {
    throw new Error('the bundle payload is not JSON');
  }
  if (!Number.isSafeInteger(payload?.version) || payload.version < 0) throw new Error('the bundle has no valid version');
  if (typeof payload.policy !== 'object' || payload.policy === null) throw new Error('the bundle has no policy');
  if (typeof payload.expires_at !== 'string' || !Number.isFinite(Date.parse(payload.expires_at))) throw new Error('the bundle has no valid expiry (expires_at)');
  return { payload, policyJson: JSON.stringify(payload.policy), kid: typeof header.kid === 'string' ? header.kid : null };
}
