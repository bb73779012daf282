/**
 * Console accounts and their roles (IT only; the server refuses every other role). A new
 * account, or a reset, gets a generated password that is shown once, here, to hand over.
 * @module
 */
import { api } from '../api.js';
import { errorBox, field, fill, h, notice, table } from '../dom.js';
import { ROLE_NAMES } from '../roles.js';
import { confirmButton } from './policy.js';

const ROLES = /** @type {(keyof typeof ROLE_NAMES)[]} */ (Object.keys(ROLE_NAMES));

/**
 * @param {HTMLElement} root
 * @param {import('../main.js').Context} ctx
 */
export async function render(root, ctx) {
  const status = h('div', { id: 'users-status' });
  const listBox = h('div');
  /** Shows a generated password once. @param {string} email @param {string} password */
  const handOver = (email, password) =>
    fill(status, notice('ok', `Password for ${email}: `, h('code', { id: 'new-password', text: password }), ' — hand it over now; it is not shown again.'));
  // Re-reads the list in place: the status (perhaps a password being handed over) stays.
  const reload = async () => {
    const { users } = await api('GET', '/v1/admin/users');
    fill(listBox, usersTable(users));
  };

  const email = h('input', { type: 'email', name: 'new-email', required: true, size: 28 });
  const role = h('select', { name: 'new-role' }, ROLES.map((r) => h('option', { value: r }, ROLE_NAMES[r])));
  const department = h('input', { name: 'new-department', size: 14, placeholder: 'for department heads' });
  const create = h(
    'form',
    {
      class: 'toolbar',
      id: 'add-user',
      onsubmit: async (/** @type {Event} */ ev) => {
        ev.preventDefault();
        try {
          const u = await api('POST', '/v1/admin/users', { email: email.value, role: role.value, department: department.value || null });
          handOver(u.email, u.password);
          email.value = '';
          await reload();
        } catch (e) {
          fill(status, errorBox(e));
        }
      },
    },
    field('E-mail', email),
    field('Role', role),
    field('Department', department),
    h('button', { type: 'submit', class: 'primary' }, 'Add account'),
  );

  fill(
    root,
    h('h1', { text: 'Users and roles' }),
    h('p', { class: 'muted', text: 'IT administrators edit and publish policy and review requests; department heads see their department; auditors read everything; the City Manager approves exceptions (§VIII).' }),
    status,
    h('section', { class: 'card' }, h('h2', { text: 'Add an account' }), create),
    listBox,
  );
  await reload();

  /** @param {any[]} users */
  function usersTable(users) {
    return table(
      [
        { label: 'E-mail', value: (/** @type {any} */ u) => u.email },
        {
          label: 'Role and department',
          value: (/** @type {any} */ u) => {
            const sel = h('select', { name: `role-${u.email}`, disabled: u.email === ctx.session.email }, ROLES.map((r) => h('option', { value: r, selected: r === u.role }, ROLE_NAMES[r])));
            const dept = h('input', { name: `department-${u.email}`, value: u.department ?? '', size: 12, disabled: u.email === ctx.session.email });
            return h(
              'div',
              { class: 'row-actions' },
              sel,
              dept,
              u.email === ctx.session.email
                ? h('span', { class: 'muted', text: '(you)' })
                : h('button', {
                    type: 'button',
                    onclick: async () => {
                      try {
                        await api('PUT', `/v1/admin/users/${encodeURIComponent(u.email)}`, { role: sel.value, department: dept.value || null });
                        fill(status, notice('ok', `Saved ${u.email}.`));
                        await reload();
                      } catch (e) {
                        fill(status, errorBox(e));
                      }
                    },
                  }, 'Save'),
            );
          },
        },
        {
          label: '',
          value: (/** @type {any} */ u) =>
            h(
              'div',
              { class: 'row-actions' },
              h('button', {
                type: 'button',
                onclick: async () => {
                  try {
                    const r = await api('POST', `/v1/admin/users/${encodeURIComponent(u.email)}/password`);
                    handOver(r.email, r.password);
                  } catch (e) {
                    fill(status, errorBox(e));
                  }
                },
              }, 'Reset password'),
              u.email === ctx.session.email
                ? null
                : confirmButton('Delete', 'Really delete?', async () => {
                    try {
                      await api('DELETE', `/v1/admin/users/${encodeURIComponent(u.email)}`);
                      fill(status, notice('ok', `Deleted ${u.email}.`));
                      await reload();
                    } catch (e) {
                      fill(status, errorBox(e));
                    }
                  }),
            ),
        },
      ],
      users,
      { class: 'users' },
    );
  }
}
