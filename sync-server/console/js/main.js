/**
 * The console's entry point: the router (the URL fragment, `#/page?query`), the menu for the
 * signed-in role, and the page modules, each of which exports `render(root, ctx)`.
 * @module
 */
import { currentSession, endSession } from './api.js';
import { fill, h, errorBox } from './dom.js';
import { PAGES, ROLE_NAMES, abilities } from './roles.js';
import * as signin from './pages/signin.js';
import * as dashboard from './pages/dashboard.js';
import * as reports from './pages/reports.js';
import * as policy from './pages/policy.js';
import * as versions from './pages/versions.js';
import * as approvals from './pages/approvals.js';
import * as audit from './pages/audit.js';
import * as users from './pages/users.js';

/**
 * What a page gets: the session, what the role may do, the query of the route, and a way
 * to change the route's query (so filters are in the URL and survive a reload).
 * @typedef {{
 *   session: import('./api.js').Session,
 *   can: import('./roles.js').Abilities,
 *   params: URLSearchParams,
 *   navigate: (page: string, params?: Record<string, string>) => void,
 * }} Context
 */

/** @type {Record<string, {render: (root: HTMLElement, ctx: Context) => Promise<void>|void}>} */
const MODULES = { dashboard, reports, policy, versions, approvals, audit, users };

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const who = /** @type {HTMLElement} */ (document.getElementById('who'));

/** Each render gets a number; a slow page that finishes after the user moved on is dropped. */
let generation = 0;

/** @returns {{page: string, params: URLSearchParams}} */
function route() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [page, q = ''] = raw.split('?', 2);
  return { page: page || 'dashboard', params: new URLSearchParams(q) };
}

/**
 * @param {string} page
 * @param {Record<string, string>} [params]
 */
function navigate(page, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined)).toString();
  const hash = `#/${page}${q ? `?${q}` : ''}`;
  // The same route again fires no hashchange: render it here (signing in or out on it).
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function render() {
  const mine = ++generation;
  const session = currentSession();
  const { page, params } = route();
  if (!session) {
    fill(nav);
    fill(who);
    document.title = 'Sign in · Lifeguard console';
    signin.render(main, () => navigate(page === 'signin' ? 'dashboard' : page, Object.fromEntries(params)));
    return;
  }
  if (session.must_change_password) {
    fill(nav);
    fill(who, h('span', { id: 'who-email', text: session.email }), signOutButton());
    document.title = 'New password · Lifeguard console';
    signin.renderNewPassword(main, session.email, () => navigate(page === 'signin' ? 'dashboard' : page, Object.fromEntries(params)));
    return;
  }
  const can = abilities(session);
  const visible = PAGES.filter((p) => p.visible(can));
  const current = visible.find((p) => p.id === page) ?? visible[0];
  fill(nav, visible.map((p) => h('a', { href: `#/${p.id}`, 'aria-current': p.id === current.id ? 'page' : undefined, text: p.label })));
  fill(
    who,
    h('span', { id: 'who-email', text: session.email }),
    h('span', { class: 'badge', id: 'who-role', text: ROLE_NAMES[session.role] + (session.department ? ` · ${session.department}` : '') }),
    signOutButton(),
  );
  document.title = `${current.label} · Lifeguard console`;
  // The page says which route it shows and whether it is still loading (aria-busy), so
  // assistive technology, and tests, can tell a finished page from the one it replaces.
  const root = h('div', { id: `page-${current.id}`, 'data-route': location.hash, 'aria-busy': 'true' });
  fill(main, root);
  try {
    await MODULES[current.id].render(root, { session, can, params, navigate });
  } catch (e) {
    if (mine === generation) root.append(errorBox(e));
  }
  root.setAttribute('aria-busy', 'false');
}

/** Ends the session on the server, then shows the sign-in page. */
function signOutButton() {
  return h('button', { type: 'button', id: 'sign-out', onclick: async () => { await endSession(); navigate('signin'); } }, 'Sign out');
}

window.addEventListener('hashchange', render);
render();
