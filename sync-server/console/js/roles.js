/**
 * What the signed-in role may do, as the server's access table says: the session carries it
 * (`can`, from sign-in), so the console shows only what will work without keeping its own
 * copy of the matrix. The server enforces every one of these on its own; hiding a button here
 * is for the reader, not for security.
 * @module
 */

/**
 * @typedef {import('./api.js').Action} Action
 * @typedef {{
 *   editPolicy: boolean, editExceptions: boolean, publish: boolean, rollback: boolean,
 *   review: boolean, audit: boolean, users: boolean, allDepartments: boolean, editStaff: boolean
 * }} Abilities
 */

/**
 * The console's switches, each the server action it stands for.
 * @type {Record<keyof Abilities, Action>}
 */
const SWITCHES = {
  editPolicy: 'edit_policy',
  editExceptions: 'edit_exceptions',
  publish: 'publish',
  rollback: 'rollback',
  review: 'review',
  audit: 'audit',
  users: 'manage_accounts',
  allDepartments: 'all_departments',
  editStaff: 'edit_staff',
};

/**
 * @param {{can?: Action[]}} session a session from sign-in
 * @returns {Abilities} what it may do; nothing at all for a session without `can`
 */
export function abilities(session) {
  const can = new Set(session.can ?? []);
  return /** @type {Abilities} */ (Object.fromEntries(Object.entries(SWITCHES).map(([k, action]) => [k, can.has(action)])));
}

/** Human names of the roles. */
export const ROLE_NAMES = {
  it_admin: 'IT administrator',
  dept_head: 'Department head',
  auditor: 'Auditor',
  city_manager: 'City Manager',
};

/**
 * The console's pages, in menu order, and who sees each.
 * @type {{id: string, label: string, visible: (a: Abilities) => boolean}[]}
 */
export const PAGES = [
  { id: 'dashboard', label: 'Dashboard', visible: () => true },
  { id: 'reports', label: 'Reports', visible: () => true },
  { id: 'policy', label: 'Policy', visible: () => true },
  { id: 'versions', label: 'Versions', visible: () => true },
  { id: 'approvals', label: 'Approval requests', visible: () => true },
  { id: 'audit', label: 'Audit log', visible: (a) => a.audit },
  { id: 'users', label: 'Users', visible: (a) => a.users },
];
