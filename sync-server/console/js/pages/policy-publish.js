/**
 * Publishing: the changes since the published version as people read them (also used for
 * any two versions), a note, and the button.
 * @module
 */
import { api } from '../api.js';
import { errorBox, field, fill, h, notice } from '../dom.js';
import { SECTIONS, list, tenants } from './policy-sections.js';

/**
 * Publishing: the changes since the published version, a note, and the button.
 * @param {number} latest
 * @param {any} draftDoc
 * @param {import('../main.js').Context} ctx
 */
export function publishPanel(latest, draftDoc, ctx) {
  const body = h('div', {}, h('p', { class: 'muted', text: 'Loading the changes…' }));
  const panel = h('section', { class: 'card', id: 'publish' }, h('h2', { text: `Publish (changes since version ${latest})` }), body);
  (async () => {
    try {
      const [diff, published] = await Promise.all([api('GET', `/v1/admin/diff?from=${latest}&to=draft`), api('GET', `/v1/admin/versions/${latest}`)]);
      const note = h('input', { type: 'text', name: 'publish-note', size: 60, placeholder: 'What changed and why (kept with the version)' });
      const status = h('div', { id: 'publish-status' });
      const empty = Object.keys(diff.sections).length === 0 && diff.fields.length === 0;
      fill(
        body,
        renderDiff(diff, published.policy, draftDoc),
        h(
          'form',
          {
            class: 'toolbar',
            onsubmit: async (/** @type {Event} */ ev) => {
              ev.preventDefault();
              try {
                const v = await api('POST', '/v1/admin/publish', { note: note.value });
                fill(status, notice('ok', `Published version ${v.version}. Browsers pick it up at their next sync.`));
                setTimeout(() => ctx.navigate('versions', { published: String(v.version) }), 50);
              } catch (e) {
                fill(status, errorBox(e));
              }
            },
          },
          field('Note', note),
          h('button', { type: 'submit', class: 'primary', id: 'publish-button', disabled: empty }, 'Publish the draft'),
        ),
        status,
      );
    } catch (e) {
      fill(body, errorBox(e));
    }
  })();
  return panel;
}

/**
 * A diff as people read it: per section, what was added, removed and changed, each with the
 * item's name and, for changes, each field before and after.
 * @param {{sections: Record<string, {added: string[], removed: string[], changed: string[]}>, fields: string[], from?: string, to?: string}} diff
 * @param {any} fromDoc
 * @param {any} toDoc
 */
export function renderDiff(diff, fromDoc, toDoc) {
  const names = Object.entries(diff.sections);
  if (names.length === 0 && diff.fields.length === 0) return notice('info', 'No changes.');
  /** @param {any} doc @param {string} s @param {string} id */
  const find = (doc, s, id) => (doc?.[s] ?? []).find((/** @type {any} */ i) => i.id === id);
  /** @param {any} i */
  const summary = (i) => [i?.name, i?.hosts ? list(i.hosts) : null, i?.action, tenants(i)].filter(Boolean).join(' · ');
  return h(
    'div',
    { class: 'diff', id: 'diff' },
    names.map(([s, d]) =>
      h(
        'div',
        { class: 'diff-section', dataset: { section: s } },
        h('h3', { text: SECTIONS[s]?.label ?? s }),
        h(
          'ul',
          {},
          d.added.map((id) => h('li', { class: 'diff-added' }, h('b', { text: 'Added ' }), h('code', { text: id }), ` ${summary(find(toDoc, s, id))}`)),
          d.removed.map((id) => h('li', { class: 'diff-removed' }, h('b', { text: 'Removed ' }), h('code', { text: id }), ` ${summary(find(fromDoc, s, id))}`)),
          d.changed.map((id) => {
            const a = find(fromDoc, s, id) ?? {};
            const b = find(toDoc, s, id) ?? {};
            const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
            return h(
              'li',
              { class: 'diff-changed' },
              h('b', { text: 'Changed ' }),
              h('code', { text: id }),
              h('ul', {}, keys.map((k) => h('li', {}, h('code', { text: k }), ': ', h('del', { text: fmt(a[k]) }), ' → ', h('ins', { text: fmt(b[k]) })))),
            );
          }),
        ),
      ),
    ),
    diff.fields.length ? h('p', {}, 'Top-level fields changed: ', diff.fields.join(', ')) : null,
  );
}

/** @param {unknown} v */
function fmt(v) {
  if (v === undefined) return '(none)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
