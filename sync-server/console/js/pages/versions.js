/**
 * Version history: every published version with who, when and why; the difference between
 * any two; and rollback (IT only), which publishes an old version again as a new number.
 * @module
 */
import { api } from '../api.js';
import { errorBox, field, fill, h, notice, table, when } from '../dom.js';
import { confirmButton } from './policy.js';
import { renderDiff } from './policy-publish.js';

/**
 * @param {HTMLElement} root
 * @param {import('../main.js').Context} ctx
 */
export async function render(root, ctx) {
  const { versions } = await api('GET', '/v1/admin/versions');
  /** @type {any[]} */
  const list = [...versions].sort((a, b) => b.version - a.version);
  const latest = list[0]?.version ?? 0;
  const from = ctx.params.get('from') ?? String(Math.max(1, latest - 1));
  const to = ctx.params.get('to') ?? String(latest);
  const status = h('div');
  const published = ctx.params.get('published');
  const options = (/** @type {string} */ selected) => [
    h('option', { value: 'draft', selected: selected === 'draft' }, 'the draft'),
    list.map((v) => h('option', { value: String(v.version), selected: selected === String(v.version) }, `version ${v.version}`)),
  ];
  const fromSel = h('select', { name: 'diff-from' }, options(from));
  const toSel = h('select', { name: 'diff-to' }, options(to));
  const diffBox = h('div', { id: 'version-diff' });

  const columns = [
    { label: 'Version', value: (/** @type {any} */ v) => String(v.version), num: true },
    { label: 'Published', value: (/** @type {any} */ v) => when(v.published_at) },
    { label: 'By', value: (/** @type {any} */ v) => v.published_by },
    { label: 'Note', value: (/** @type {any} */ v) => (v.rollback_of ? `Rollback to version ${v.rollback_of}. ` : '') + (v.note ?? '') },
    {
      label: '',
      value: (/** @type {any} */ v) =>
        h(
          'div',
          { class: 'row-actions' },
          h('button', { type: 'button', onclick: () => ctx.navigate('versions', { from: String(v.version - 1 || 1), to: String(v.version) }) }, 'Changes'),
          ctx.can.rollback && v.version !== latest
            ? confirmButton(`Roll back to ${v.version}`, `Publish version ${v.version} again?`, async () => {
                try {
                  const n = await api('POST', '/v1/admin/rollback', { to: v.version, note: `rollback from the console to version ${v.version}` });
                  ctx.navigate('versions', { published: String(n.version) });
                } catch (e) {
                  fill(status, errorBox(e));
                }
              })
            : null,
        ),
    },
  ];

  fill(
    root,
    h('h1', { text: 'Policy versions' }),
    published ? notice('ok', `Published version ${published}.`) : null,
    status,
    h(
      'section',
      { class: 'card' },
      h('h2', { text: 'Compare' }),
      h(
        'form',
        { class: 'toolbar', onsubmit: (/** @type {Event} */ ev) => { ev.preventDefault(); ctx.navigate('versions', { from: fromSel.value, to: toSel.value }); } },
        field('From', fromSel),
        field('To', toSel),
        h('button', { type: 'submit' }, 'Compare'),
      ),
      diffBox,
    ),
    h('section', { class: 'card' }, h('h2', { text: 'History' }), table(columns, list, { class: 'versions' })),
  );

  if (from !== to) {
    /** @param {string} which */
    const doc = async (which) => (which === 'draft' ? (await api('GET', '/v1/admin/draft')).policy : (await api('GET', `/v1/admin/versions/${which}`)).policy);
    try {
      const [diff, a, b] = await Promise.all([api('GET', `/v1/admin/diff?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`), doc(from), doc(to)]);
      fill(diffBox, h('p', { class: 'muted', text: `From ${from === 'draft' ? 'the draft' : `version ${from}`} to ${to === 'draft' ? 'the draft' : `version ${to}`}:` }), renderDiff(diff, a, b));
    } catch (e) {
      fill(diffBox, errorBox(e));
    }
  }
}
