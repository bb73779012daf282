/**
 * The policy editor: the draft's sections (site rules, authorized tools, content rules,
 * department overlays, pilots, exceptions, suspensions), one item at a time through
 * /v1/admin/draft/{section}/{id}; a "try it" box over /v1/admin/preview; and publishing,
 * with a readable diff against the published version first.
 *
 * The server validates every edit with lifeguard-core and refuses it with a list of
 * problems (rule and field); the form shows them as they come. Nothing here decides a URL
 * or a paste: the preview asks the server's engine.
 * @module
 */
import { api } from '../api.js';
import { errorBox, field, fill, h, notice, table, when } from '../dom.js';
import { tryIt } from './policy-preview.js';
import { publishPanel } from './policy-publish.js';
import { SECTIONS, canEdit, itemForm, list } from './policy-sections.js';

/**
 * @param {HTMLElement} root
 * @param {import('../main.js').Context} ctx
 */
export async function render(root, ctx) {
  const asked = ctx.params.get('section') ?? '';
  const section = asked in SECTIONS ? asked : 'site_rules';
  const [draft, versions] = await Promise.all([api('GET', '/v1/admin/draft'), api('GET', '/v1/admin/versions')]);
  const latest = versions.versions.reduce((/** @type {number} */ m, /** @type {any} */ v) => Math.max(m, v.version), 0);
  const doc = draft.policy;
  const def = SECTIONS[section];
  const editable = canEdit(section, ctx.can);
  const editor = h('div', { id: 'item-editor' });
  const status = h('div', { id: 'policy-status' });

  /** Shows the form for a new item, or for `item`. @param {any} [item] */
  const edit = (item) => {
    fill(editor, itemForm(section, def, item, async (saved) => {
      fill(editor);
      ctx.navigate('policy', { section, saved: saved.id, q: saved.id });
    }));
    editor.scrollIntoView({ block: 'nearest' });
  };

  const allItems = /** @type {any[]} */ (doc[section] ?? []);
  // The default policy has hundreds of site rules: search them, and show a page at a time.
  const search = (ctx.params.get('q') ?? '').trim().toLowerCase();
  const shown = Number(ctx.params.get('show') ?? '25') || 25;
  const matching = search ? allItems.filter((i) => JSON.stringify(i).toLowerCase().includes(search)) : allItems;
  const items = matching.slice(0, shown);
  const searchBox = h('input', { type: 'search', name: 'q', value: ctx.params.get('q'), placeholder: 'id, host, message…', size: 30 });
  const columns = [...def.columns];
  if (editable) {
    columns.push({
      label: '',
      value: (i) =>
        h(
          'div',
          { class: 'row-actions' },
          h('button', { type: 'button', dataset: { edit: i.id }, onclick: () => edit(i) }, 'Edit'),
          confirmButton('Delete', 'Really delete?', async () => {
            try {
              await api('DELETE', `/v1/admin/draft/${encodeURIComponent(section)}/${encodeURIComponent(i.id)}`);
              ctx.navigate('policy', { section, deleted: i.id });
            } catch (e) {
              fill(status, errorBox(e));
            }
          }),
        ),
    });
  }

  // A department head keeps the staff list of the tools IT restricted (§V); IT edits whole
  // tools in the form instead.
  if (section === 'authorized_tools' && ctx.can.editStaff && !editable) {
    const own = (ctx.session.department ?? '').trim().toLowerCase();
    /** A tool for named departments is kept by their heads (the server checks the same). @param {any} i */
    const theirs = (i) => (i.departments ?? []).length > 0 && !(i.departments ?? []).some((/** @type {string} */ d) => d.trim().toLowerCase() === own);
    columns.push({
      label: '',
      value: (i) =>
        !(i.departments?.length || i.users?.length)
          ? h('span', { class: 'muted', text: 'everyone' })
          : theirs(i)
            ? h('span', { class: 'muted', text: `kept by ${list(i.departments)}` })
            : h('button', { type: 'button', dataset: { staff: i.id }, onclick: () => { fill(editor, staffForm(i, (t) => ctx.navigate('policy', { section, saved: t.id, q: t.id }))); } }, 'Edit staff'),
    });
  }

  const saved = ctx.params.get('saved');
  const deleted = ctx.params.get('deleted');
  fill(
    root,
    h('h1', { text: 'Policy' }),
    h(
      'p',
      { class: 'muted', id: 'draft-info' },
      `Draft revision ${draft.revision}, last changed by ${draft.updated_by} (${when(draft.updated_at)}). Published: version ${latest}.`,
    ),
    saved ? notice('ok', `Saved “${saved}” in the draft. ${ctx.can.publish ? 'Publish to send it to browsers.' : 'Browsers get it once IT publishes the draft.'}`) : null,
    deleted ? notice('ok', `Removed “${deleted}” from the draft.`) : null,
    status,
    ctx.can.publish ? publishPanel(latest, doc, ctx) : null,
    h(
      'div',
      { class: 'tabs', role: 'tablist' },
      Object.entries(SECTIONS).map(([id, s]) =>
        h('button', { type: 'button', role: 'tab', 'aria-selected': id === section ? 'true' : 'false', dataset: { section: id }, onclick: () => ctx.navigate('policy', { section: id }) }, `${s.label} (${(doc[id] ?? []).length})`),
      ),
    ),
    h(
      'section',
      { class: 'card', id: `section-${section}` },
      h('h2', { text: def.label }),
      h('p', { class: 'muted', text: def.ref }),
      section === 'authorized_tools' && ctx.can.editStaff && !editable
        ? notice('info', 'Department heads keep the list of their staff authorized to use each tool (§V). A change goes into the draft; browsers get it once IT publishes the draft.')
        : null,
      section === 'exceptions' && !ctx.can.editExceptions ? notice('info', 'Only the City Manager adds or changes exceptions (§VIII).') : null,
      editable ? h('button', { type: 'button', id: 'add-item', class: 'primary', onclick: () => edit() }, `Add to ${def.label.toLowerCase()}`) : null,
      editor,
      h(
        'form',
        { class: 'toolbar', onsubmit: (/** @type {Event} */ ev) => { ev.preventDefault(); ctx.navigate('policy', { section, q: searchBox.value }); } },
        field('Search', searchBox),
        h('button', { type: 'submit' }, 'Search'),
        h('span', { class: 'muted', id: 'items-count', text: `${items.length} of ${matching.length} shown` }),
      ),
      table(columns, items, { empty: search ? 'Nothing matches.' : `No ${def.label.toLowerCase()} in the draft.`, class: 'items' }),
      matching.length > items.length
        ? h('button', { type: 'button', id: 'show-more', onclick: () => ctx.navigate('policy', { section, q: ctx.params.get('q') ?? '', show: String(shown + 100) }) }, 'Show more')
        : null,
    ),
    tryIt(versions.versions),
  );
}

/**
 * A button that asks once more before it acts (instead of window.confirm, which a test
 * would have to answer and a user learns to click through).
 * @param {string} label
 * @param {string} ask
 * @param {() => Promise<void>} act
 */
export function confirmButton(label, ask, act) {
  let armed = false;
  const b = h('button', {
    type: 'button',
    class: 'danger',
    onclick: async () => {
      if (!armed) {
        armed = true;
        b.textContent = ask;
        setTimeout(() => {
          armed = false;
          b.textContent = label;
        }, 5000);
        return;
      }
      b.disabled = true;
      await act();
      b.disabled = false;
    },
  }, label);
  return b;
}

/**
 * The staff list of one tool.
 * @param {any} tool
 * @param {(saved: any) => void} done
 */
function staffForm(tool, done) {
  const status = h('div');
  const users = h('textarea', { name: 'staff-users', rows: 6, value: (tool.users ?? []).join('\n') });
  return h(
    'form',
    {
      class: 'stack card',
      id: 'staff-form',
      onsubmit: async (/** @type {Event} */ ev) => {
        ev.preventDefault();
        const emails = users.value.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
        try {
          done(await api('PUT', `/v1/admin/tools/${encodeURIComponent(tool.id)}/staff`, { users: emails }));
        } catch (e) {
          fill(status, errorBox(e));
        }
      },
    },
    h('h3', { text: `Staff authorized to use ${tool.name}` }),
    tool.departments?.length ? h('p', { class: 'muted', text: `Also authorized for everyone in: ${list(tool.departments)}.` }) : null,
    field('Staff e-mail addresses, one per line', users),
    h('div', { class: 'row-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save to draft')),
    status,
  );
}
