/**
 * The audit log: every change with who, which role, what and when, and the item before and
 * after. The server lets IT, the auditor and the City Manager read it.
 * @module
 */
import { api, query } from '../api.js';
import { field, fill, h, jsonBlock, table, when } from '../dom.js';

/**
 * @param {HTMLElement} root
 * @param {import('../main.js').Context} ctx
 */
export async function render(root, ctx) {
  const p = ctx.params;
  const actor = h('input', { name: 'actor', value: p.get('actor'), size: 22 });
  const action = h('input', { name: 'action', value: p.get('action'), size: 22, placeholder: 'e.g. policy.publish' });
  const from = h('input', { type: 'date', name: 'from', value: p.get('from') });
  const to = h('input', { type: 'date', name: 'to', value: p.get('to') });
  const results = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  fill(
    root,
    h('h1', { text: 'Audit log' }),
    h(
      'form',
      {
        class: 'toolbar',
        onsubmit: (/** @type {Event} */ ev) => {
          ev.preventDefault();
          ctx.navigate('audit', { actor: actor.value.trim(), action: action.value.trim(), from: from.value, to: to.value });
        },
      },
      field('Who', actor),
      field('Action', action),
      field('From', from),
      field('Before (date)', to),
      h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    ),
    results,
  );
  const q = { actor: p.get('actor'), action: p.get('action'), from: p.get('from'), to: p.get('to'), limit: 200 };
  const { entries } = await api('GET', `/v1/admin/audit${query(q)}`);
  fill(
    results,
    table(
      [
        { label: 'When', value: (/** @type {any} */ e) => when(e.at) },
        { label: 'Who', value: (/** @type {any} */ e) => e.actor },
        { label: 'Role', value: (/** @type {any} */ e) => e.role },
        { label: 'Action', value: (/** @type {any} */ e) => h('code', { text: e.action }) },
        { label: 'Target', value: (/** @type {any} */ e) => e.target },
        {
          label: 'Details',
          value: (/** @type {any} */ e) =>
            e.before == null && e.after == null
              ? ''
              : h('details', {}, h('summary', { text: 'before / after' }), h('b', { text: 'Before' }), jsonBlock(e.before), h('b', { text: 'After' }), jsonBlock(e.after)),
        },
      ],
      entries,
      { class: 'audit', empty: 'No audit entries match.' },
    ),
  );
}
