/**
 * Console accounts and their roles (IT only).
 * @module
 */
import { fill, h, notice } from '../dom.js';

/**
 * @param {HTMLElement} root
 */
export async function render(root) {
  fill(root, h('h1', { text: 'Users' }), notice('info', 'Loading…'));
}
