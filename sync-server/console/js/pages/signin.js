/**
 * Sign-in with a console account (`lifeguard user add`). The session lives in this tab's
 * sessionStorage; see api.js for why.
 * @module
 */
import { signIn } from '../api.js';
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
