/**
 * The console's only way to the server: the session and every call to /v1/*.
 *
 * Sessions: the server issues a Bearer JWT at /v1/auth/login. The console keeps it in
 * sessionStorage (this tab only, gone when the tab closes) and sends it in the Authorization
 * header. It is never a cookie, so a page on another site cannot make the browser send it:
 * CSRF has nothing to ride on, and the API needs no CSRF token. The price is that a script
 * running in this origin could read it, which the strict CSP (script-src 'self') and
 * building every page with textContent are there to prevent. The server checks the session
 * against its account on every call (a demoted or deleted account's session ends at once),
 * and signing out ends it there too, not only in this tab.
 * @module
 */

const KEY = 'lifeguard.console.session';

/**
 * @typedef {'it_admin'|'dept_head'|'auditor'|'city_manager'} Role
 * @typedef {string} Action one thing a role may do, named as in the server's access table
 *   (sync-server/src/access.rs; the session lists the signed-in role's)
 * @typedef {{token: string, email: string, role: Role, can: Action[], department: string|null, expires_at: string, must_change_password: boolean}} Session
 */

/** @returns {Session|null} the session of this tab, unless it has expired */
export function currentSession() {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const s = /** @type {Session} */ (JSON.parse(raw));
    if (Date.parse(s.expires_at) <= Date.now()) {
      sessionStorage.removeItem(KEY);
      return null;
    }
    return s;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

/** Forgets this tab's session (the server ended it already, or is being told to). */
export function signOut() {
  sessionStorage.removeItem(KEY);
}

/**
 * Signs out: the server ends every session of the account, then this tab forgets it. Even
 * if the server cannot be reached, the tab forgets the session.
 */
export async function endSession() {
  const s = currentSession();
  signOut();
  if (!s) return;
  try {
    await request('POST', '/v1/auth/logout', undefined, s.token);
  } catch {
    // An ended session (401) or a server away: nothing more this tab can do.
  }
}

/** An error answer of the API: its status, message and (for policy edits) problems. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {{at: string, message: string}[]} [problems]
   */
  constructor(status, message, problems = []) {
    super(message);
    this.status = status;
    this.problems = problems;
  }
}

/**
 * Signs in and keeps the session in this tab.
 * @param {string} email
 * @param {string} password
 * @returns {Promise<Session>}
 */
export async function signIn(email, password) {
  const res = await request('POST', '/v1/auth/login', { email, password }, null);
  const s = /** @type {Session} */ ({ ...res, email: email.trim().toLowerCase() });
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

/**
 * Replaces the signed-in account's password; the server answers with a new session (every
 * other session of the account ends), kept in place of this one.
 * @param {string} current
 * @param {string} next
 * @returns {Promise<Session>}
 */
export async function changePassword(current, next) {
  const old = currentSession();
  const res = await api('POST', '/v1/auth/password', { current, new: next });
  const s = /** @type {Session} */ ({ ...res, email: old?.email ?? '' });
  sessionStorage.setItem(KEY, JSON.stringify(s));
  return s;
}

/**
 * Calls the API with the session's token. A 401 ends the session and goes to sign-in.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  const s = currentSession();
  try {
    return await request(method, path, body, s?.token ?? null);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      signOut();
      location.hash = '#/signin';
    }
    throw e;
  }
}

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} body
 * @param {string|null} token
 */
async function request(method, path, body, token) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'omit' });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    throw new ApiError(res.status, data?.error ?? `${res.status} ${res.statusText}`, data?.problems ?? []);
  }
  return data;
}

/**
 * Downloads a file from the API (the CSV export) with the session's token: a plain link
 * could not carry the Authorization header.
 * @param {string} path
 * @param {string} filename
 */
export async function download(path, filename) {
  const s = currentSession();
  const res = await fetch(path, { headers: s ? { Authorization: `Bearer ${s.token}` } : {}, credentials: 'omit' });
  if (!res.ok) throw new ApiError(res.status, `${res.status} ${res.statusText}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * A query string from the non-empty values.
 * @param {Record<string, string|number|boolean|null|undefined>} params
 */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}
