/**
 * What each console role may see and do (APP 04.05 §V, §VIII), mirrored from the server's
 * checks so the console shows only what will work. The server enforces every one of these on
 * its own; hiding a button here is for the reader, not for security.
 * @module
 */

/**
 * @typedef {import('./api.js').Role} Role
 * @typedef {{
 *   editPolicy: boolean, editExceptions: boolean, publish: boolean, rollback: boolean,
 *   review: boolean, audit: boolean, users: boolean, allDepartments: boolean, editStaff: boolean
 * }} Abilities
 */

/** @type {Record<Role, Abilities>} */
const ABILITIES = {
  // The IT Director and IT staff: the AI Policy Authority (§V).
  it_admin: { editPolicy: true, editExceptions: false, publish: true, rollback: true, review: true, audit: true, users: true, allDepartments: true, editStaff: true },
  // Their own department's records, and the staff authorized per tool (§V); publishes
  // nothing.
  dept_head: { editPolicy: false, editExceptions: false, publish: false, rollback: false, review: false, audit: false, users: false, allDepartments: false, editStaff: true },
  // Reads everything, changes nothing.
  auditor: { editPolicy: false, editExceptions: false, publish: false, rollback: false, review: false, audit: true, users: false, allDepartments: true, editStaff: false },
  // Approves exceptions (§VIII) and may publish them.
  city_manager: { editPolicy: false, editExceptions: true, publish: true, rollback: false, review: false, audit: true, users: false, allDepartments: true, editStaff: false },
};

/**
 * @param {Role} role
 * @returns {Abilities}
 */
export function abilities(role) {
  return ABILITIES[role] ?? ABILITIES.auditor;
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
