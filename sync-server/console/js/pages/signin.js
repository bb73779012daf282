/**
 * Sign-in with a console account (`lifeguard user add`), and the new password an account must
 * choose when someone else set its current one (the first start's generated password, an
 * account IT created, a reset). The session lives in this tab's sessionStorage; see api.js
 * for why.
 * @module
 */
import { changePassword, signIn } from '../api.js';
import { errorBox, field, fill, h } from '../dom.js';

/**
 * @param {HTMLElement} root
 * @param {() => void} done called once signed in
 */
export function render(root, done) {
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true, id: 'signin-email' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, id: 'signin-password' });
  const status = h('div');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'stack card',
      onsubmit: async (/** @type {Event} */ ev) => {
        ev.preventDefault();
        button.disabled = true;
        fill(status);
        try {
          await signIn(email.value, password.value);
          done();
        } catch (e) {
          fill(status, errorBox(e));
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h1', { text: 'Sign in to the Lifeguard console' }),
    field('E-mail', email),
    field('Password', password),
    button,
    status,
  );
  fill(root, h('div', { class: 'signin', id: 'page-signin' }, form, h('p', { class: 'muted', text: 'City of Redondo Beach · APP 04.05 Artificial Intelligence Policy' })));
  email.focus();
}

/**
 * The form an account whose password someone else set sees instead of any page: the server
 * refuses everything else until the new password is chosen.
 * @param {HTMLElement} root
 * @param {string} email
 * @param {() => void} done called once the password is changed
 */
export function renderNewPassword(root, email, done) {
  const current = h('input', { type: 'password', name: 'current', autocomplete: 'current-password', required: true, id: 'change-current' });
  const next = h('input', { type: 'password', name: 'new', autocomplete: 'new-password', required: true, minlength: '12', maxlength: '1024', id: 'change-new' });
  const again = h('input', { type: 'password', name: 'again', autocomplete: 'new-password', required: true, id: 'change-again' });
  const status = h('div');
  const button = h('button', { type: 'submit', class: 'primary' }, 'Set my password');
  const form = h(
    'form',
    {
      class: 'stack card',
      onsubmit: async (/** @type {Event} */ ev) => {
        ev.preventDefault();
        fill(status);
        if (next.value !== again.value) {
          fill(status, errorBox(new Error('The two new passwords differ.')));
          return;
        }
        button.disabled = true;
        try {
          await changePassword(current.value, next.value);
          done();
        } catch (e) {
          fill(status, errorBox(e));
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h1', { text: 'Choose your own password' }),
    h('p', { text: `The password of ${email} was set by someone else (IT, a reset, or the first start). Choose a new one, at least 12 characters, before you go on.` }),
    field('Current password', current),
    field('New password', next),
    field('New password again', again),
    button,
    status,
  );
  fill(root, h('div', { class: 'signin', id: 'page-new-password' }, form));
  current.focus();
}
