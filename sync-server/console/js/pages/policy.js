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
import { actionBadge, errorBox, field, fill, h, notice, table, when } from '../dom.js';
import { VOCABULARY } from '../vocabulary.js';

// The policy's closed lists, as lifeguard-core defines them (actions strictest first).
const { categories: CATEGORIES, site_actions: SITE_ACTIONS, content_actions: CONTENT_ACTIONS, severities: SEVERITIES } = VOCABULARY;

/**
 * @typedef {{name: string, label: string, type: 'text'|'list'|'select'|'textarea'|'url'|'json'|'checkbox',
 *   options?: string[], required?: boolean, hint?: string}} FieldDef
 * @typedef {{label: string, ref: string, fields: FieldDef[],
 *   columns: import('../dom.js').Column<any>[]}} SectionDef
 */

/** @param {string[]|undefined} l */
const list = (l) => (l ?? []).join(', ');
/** @param {any} i */
const hostsAndPaths = (i) => list(i.hosts) + (i.paths?.length ? ` (paths ${list(i.paths)})` : '');
/** @param {any} i */
const who = (i) => [list(i.departments), list(i.users)].filter(Boolean).join('; ') || 'everyone';
/**
 * When an exception, pilot or suspension is in force, marked once it has ended (a date
 * alone means the end of that day, UTC, as the engine reads it).
 * @param {any} i
 */
const period = (i) => {
  const text = `${i.starts_at ?? 'now'} → ${i.expires_at ?? 'until removed'}`;
  if (!i.expires_at) return text;
  const end = /^\d{4}-\d{2}-\d{2}$/.test(i.expires_at) ? Date.parse(i.expires_at) + 86400_000 : Date.parse(i.expires_at);
  return end <= Date.now() ? h('span', {}, text, ' ', h('span', { class: 'badge action-block', text: 'ended' })) : text;
};

const ID = /** @type {FieldDef} */ ({ name: 'id', label: 'Id', type: 'text', required: true, hint: 'Letters, digits, - _ . : (unique in the policy)' });
const HOSTS = /** @type {FieldDef} */ ({ name: 'hosts', label: 'Hosts', type: 'list', required: true, hint: 'One per line; a host covers its subdomains' });
const PATHS = /** @type {FieldDef} */ ({ name: 'paths', label: 'Path prefixes', type: 'list', hint: 'Optional, e.g. /chat' });
const DEPTS = /** @type {FieldDef} */ ({ name: 'departments', label: 'Departments', type: 'list' });
const USERS = /** @type {FieldDef} */ ({ name: 'users', label: 'Staff (e-mail)', type: 'list' });
const REF = /** @type {FieldDef} */ ({ name: 'policy_ref', label: 'APP 04.05 reference', type: 'text' });
const STARTS = /** @type {FieldDef} */ ({ name: 'starts_at', label: 'Starts', type: 'text', hint: 'YYYY-MM-DD or RFC 3339; empty: at once' });
/**
 * A tool's tenant restrictions (one field per vendor, under `tenant_restrictions`): the
 * vendor then signs in only the City's workspace on its hosts.
 * @type {FieldDef[]}
 */
const TENANT = [
  { name: 'tenant_restrictions.openai_workspace_ids', label: 'City workspace only: ChatGPT workspace ids', type: 'list', hint: 'UUIDs from ChatGPT Enterprise → Settings; sets ChatGPT-Allowed-Workspace-Id on chatgpt.com' },
  { name: 'tenant_restrictions.anthropic_org_ids', label: 'City workspace only: Anthropic organization ids', type: 'list', hint: 'UUIDs from Claude → Settings → Organization; sets anthropic-allowed-org-ids on claude.ai' },
  { name: 'tenant_restrictions.google_workspace_domains', label: 'City workspace only: Google Workspace domains', type: 'list', hint: 'e.g. redondo.org; sets X-GoogApps-Allowed-Domains on google.com' },
  { name: 'tenant_restrictions.microsoft_tenant_policy', label: 'City workspace only: Entra tenant restrictions (tenantId:policyGuid)', type: 'text', hint: 'Sets sec-Restrict-Tenant-Access-Policy on Microsoft sign-in' },
];

/** Which vendors a tool's tenant restrictions name, for tables and diffs. @param {any} i */
const tenants = (i) => {
  const t = i?.tenant_restrictions ?? {};
  const vendors = [t.openai_workspace_ids && 'ChatGPT', t.anthropic_org_ids && 'Claude', t.google_workspace_domains && 'Google', t.microsoft_tenant_policy && 'Microsoft'].filter(Boolean);
  return vendors.length ? `City workspace only (${vendors.join(', ')})` : '';
};

/** A field's value in an item (`a.b` reads a nested object). @param {any} item @param {string} name */
const valueOf = (item, name) => name.split('.').reduce((/** @type {any} */ v, k) => v?.[k], item);

/** @type {Record<string, SectionDef>} */
export const SECTIONS = {
  site_rules: {
    label: 'Site rules',
    ref: 'APP 04.05 §IV.1, §IV.6, §II',
    fields: [ID, HOSTS, PATHS, { name: 'category', label: 'Category', type: 'select', options: CATEGORIES, required: true }, { name: 'action', label: 'Action', type: 'select', options: SITE_ACTIONS, required: true }, { name: 'message', label: 'Message to staff', type: 'textarea' }, { ...REF, required: true }],
    columns: [
      { label: 'Id', value: (i) => i.id },
      { label: 'Hosts', value: hostsAndPaths },
      { label: 'Category', value: (i) => i.category },
      { label: 'Action', value: (i) => actionBadge(i.action) },
      { label: 'Message', value: (i) => i.message ?? '' },
    ],
  },
  authorized_tools: {
    label: 'Authorized tools',
    ref: 'APP 04.05 §IV.1, §IV.3, §V, §VI',
    fields: [ID, { name: 'name', label: 'Name', type: 'text', required: true }, HOSTS, PATHS, DEPTS, { ...USERS, hint: 'Staff authorized to use it (§V: kept by department heads)' }, { name: 'documentation_url', label: 'AI Fact Sheet / documentation (§IV.3)', type: 'url' }, { name: 'public_records_notice', label: 'CPRA public-records notice (§VI)', type: 'textarea' }, ...TENANT, { ...REF, required: true }],
    columns: [
      { label: 'Id', value: (i) => i.id },
      { label: 'Name', value: (i) => i.name },
      { label: 'Hosts', value: hostsAndPaths },
      { label: 'For', value: who },
      { label: 'Accounts', value: tenants },
      // Only http(s) links: the server validates the URL, and the console checks again so a
      // `javascript:` URL could never become a link.
      { label: 'Documentation', value: (i) => (i.documentation_url && /^https?:\/\//i.test(i.documentation_url) ? h('a', { href: i.documentation_url, target: '_blank', rel: 'noopener noreferrer', text: 'AI Fact Sheet' }) : '') },
    ],
  },
  content_rules: {
    label: 'Content rules',
    ref: 'APP 04.05 §I, §IV.2, §VI',
    fields: [
      ID,
      { name: 'detectors', label: 'Detectors', type: 'list', hint: 'One of: detectors, a minimum severity, or files that cannot be read' },
      { name: 'min_severity', label: 'Minimum severity', type: 'select', options: SEVERITIES },
      { name: 'unreadable_files', label: 'Files that cannot be read', type: 'checkbox', hint: 'Encrypted, images, archives, unknown binary, too large, damaged: block, warn or allow' },
      { name: 'action', label: 'Action', type: 'select', options: CONTENT_ACTIONS, required: true },
      { name: 'message', label: 'Message to staff', type: 'textarea' },
      { ...REF, required: true },
    ],
    columns: [
      { label: 'Id', value: (i) => i.id },
      { label: 'Applies to', value: (i) => (i.unreadable_files ? 'files that cannot be read' : i.detectors?.length ? list(i.detectors) : `severity ≥ ${i.min_severity}`) },
      { label: 'Action', value: (i) => actionBadge(i.action) },
      { label: 'Message', value: (i) => i.message ?? '' },
    ],
  },
  departments: {
    label: 'Department overlays',
    ref: 'APP 04.05 §IV.5',
    fields: [{ ...ID, hint: 'The department id devices report, e.g. police' }, { name: 'name', label: 'Name', type: 'text' }, { name: 'site_rules', label: 'Site rules (JSON list)', type: 'json' }, { name: 'content_rules', label: 'Content rules (JSON list)', type: 'json' }],
    columns: [
      { label: 'Id', value: (i) => i.id },
      { label: 'Name', value: (i) => i.name ?? '' },
      { label: 'Site rules', value: (i) => (i.site_rules ?? []).map((/** @type {any} */ r) => `${r.id} (${r.action} ${list(r.hosts)})`).join('; ') },
      { label: 'Content rules', value: (i) => (i.content_rules ?? []).map((/** @type {any} */ r) => `${r.id} (${r.action})`).join('; ') },
    ],
  },
  pilots: {
    label: 'Pilots',
    ref: 'APP 04.05 §IV.7 (public data only, time-boxed)',
    fields: [ID, { name: 'name', label: 'Name', type: 'text' }, HOSTS, PATHS, DEPTS, USERS, { name: 'approved_by', label: 'Approved by (IT Director)', type: 'text', required: true }, STARTS, { name: 'expires_at', label: 'Ends', type: 'text', required: true, hint: 'YYYY-MM-DD (end of that day, UTC) or RFC 3339' }, REF],
    columns: [
      { label: 'Id', value: (i) => i.id },
      { label: 'Name', value: (i) => i.name ?? '' },
      { label: 'Hosts', value: hostsAndPaths },
      { label: 'For', value: who },
      { label: 'Period', value: period },
      { label: 'Approved by', value: (i) => i.approved_by },
    ],
  },
  exceptions: {
    label: 'Exceptions',
    ref: 'APP 04.05 §VIII (City Manager only)',
    fields: [ID, HOSTS, PATHS, DEPTS, USERS, { name: 'reason', label: 'Reason', type: 'textarea' }, STARTS, { name: 'expires_at', label: 'Ends', type: 'text', required: true, hint: 'YYYY-MM-DD (end of that day, UTC) or RFC 3339' }, REF],
    columns: [
      { label: 'Id', value: (i) => i.id },
      { label: 'Hosts', value: hostsAndPaths },
      { label: 'For', value: who },
      { label: 'Period', value: period },
      { label: 'Approved', value: (i) => `${i.approved_by ?? ''} ${i.approved_at ?? ''}` },
      { label: 'Reason', value: (i) => i.reason ?? '' },
    ],
  },
  suspensions: {
    label: 'Suspensions',
    ref: 'APP 04.05 §VII',
    fields: [ID, DEPTS, USERS, { name: 'reason', label: 'Reason (shown to the user)', type: 'textarea' }, { name: 'suspended_by', label: 'Suspended by', type: 'text' }, STARTS, { name: 'expires_at', label: 'Ends', type: 'text', hint: 'Empty: until removed' }, REF],
    columns: [
      { label: 'Id', value: (i) => i.id },
      { label: 'Who', value: who },
      { label: 'Period', value: period },
      { label: 'Reason', value: (i) => i.reason ?? '' },
      { label: 'By', value: (i) => i.suspended_by ?? '' },
    ],
  },
  known_ai_extensions: {
    label: 'AI extensions',
    ref: 'APP 04.05 §II, §IV.1 (reported when installed)',
    fields: [{ ...ID, hint: 'The Chrome Web Store id: 32 letters a to p' }, { name: 'name', label: 'Name', type: 'text', required: true }],
    columns: [
      { label: 'Extension id', value: (i) => h('code', { text: i.id }) },
      { label: 'Name', value: (i) => i.name },
    ],
  },
};

/**
 * May this role change this section? (The server checks the same.)
 * @param {string} section
 * @param {import('../roles.js').Abilities} can
 */
function canEdit(section, can) {
  return section === 'exceptions' ? can.editExceptions : can.editPolicy;
}

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

/**
 * The form for one item.
 * @param {string} section
 * @param {SectionDef} def
 * @param {any} item the item edited, or undefined for a new one
 * @param {(saved: any) => void} done
 */
function itemForm(section, def, item, done) {
  const status = h('div');
  /** @type {Record<string, HTMLInputElement|HTMLSelectElement|HTMLTextAreaElement>} */
  const controls = {};
  for (const f of def.fields) {
    const current = valueOf(item, f.name);
    const name = `field-${f.name}`;
    if (f.type === 'select') {
      controls[f.name] = h('select', { name }, f.required ? null : h('option', { value: '' }, '—'), (f.options ?? []).map((o) => h('option', { value: o, selected: current === o }, o)));
    } else if (f.type === 'list') {
      controls[f.name] = h('textarea', { name, rows: 2, value: (current ?? []).join('\n') });
    } else if (f.type === 'textarea') {
      controls[f.name] = h('textarea', { name, rows: 2, value: current ?? '' });
    } else if (f.type === 'json') {
      controls[f.name] = h('textarea', { name, rows: 6, value: JSON.stringify(current ?? [], null, 2) });
    } else if (f.type === 'checkbox') {
      controls[f.name] = h('input', { name, type: 'checkbox', checked: current === true });
    } else {
      controls[f.name] = h('input', { name, type: f.type === 'url' ? 'url' : 'text', value: current ?? '', disabled: f.name === 'id' && item !== undefined });
    }
  }
  const form = h(
    'form',
    {
      class: 'stack card',
      id: 'item-form',
      onsubmit: async (/** @type {Event} */ ev) => {
        ev.preventDefault();
        fill(status);
        let out;
        try {
          out = readForm(def, controls, item);
        } catch (e) {
          fill(status, errorBox(e));
          return;
        }
        try {
          const saved = await api('PUT', `/v1/admin/draft/${encodeURIComponent(section)}/${encodeURIComponent(String(out.id))}`, out);
          done(saved);
        } catch (e) {
          fill(status, errorBox(e));
        }
      },
    },
    h('h3', { text: item ? `Edit ${item.id}` : `New item in ${def.label.toLowerCase()}` }),
    def.fields.map((f) => field(f.label + (f.required ? ' *' : ''), controls[f.name], f.hint)),
    h('div', { class: 'row-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save to draft'), h('button', { type: 'button', onclick: () => form.remove() }, 'Cancel')),
    status,
  );
  return form;
}

/**
 * The item a form describes: the fields it shows, on top of the fields it does not (so an
 * edit keeps them); an emptied optional field is left out.
 * @param {SectionDef} def
 * @param {Record<string, HTMLInputElement|HTMLSelectElement|HTMLTextAreaElement>} controls
 * @param {any} item
 */
function readForm(def, controls, item) {
  /** @type {Record<string, any>} */
  const out = { ...(item ?? {}) };
  // Nested fields (`tenant_restrictions.x`) are read into a fresh object, left out if empty.
  const parents = new Set(def.fields.filter((f) => f.name.includes('.')).map((f) => f.name.split('.')[0]));
  for (const p of parents) out[p] = {};
  for (const f of def.fields) {
    const [parent, child] = f.name.includes('.') ? f.name.split('.') : [null, f.name];
    const target = parent ? out[parent] : out;
    const key = /** @type {string} */ (child);
    delete target[key];
    const raw = controls[f.name].value;
    if (f.type === 'checkbox') {
      if (/** @type {HTMLInputElement} */ (controls[f.name]).checked) target[key] = true;
    } else if (f.type === 'list') {
      const values = raw.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
      if (values.length) target[key] = values;
    } else if (f.type === 'json') {
      try {
        const v = JSON.parse(raw.trim() || '[]');
        if (!Array.isArray(v)) throw new Error('a JSON list');
        if (v.length) target[key] = v;
      } catch {
        throw new Error(`${f.label}: write a JSON list of rules, e.g. []`);
      }
    } else if (raw.trim() !== '') {
      target[key] = raw.trim();
    }
  }
  for (const p of parents) if (Object.keys(out[p]).length === 0) delete out[p];
  if (item) out.id = item.id;
  if (!out.id) throw new Error('Give the item an id.');
  return out;
}

/**
 * "Try it": what a policy (the draft, or a version) does to a URL or a paste, for someone.
 * @param {any[]} versions
 */
function tryIt(versions) {
  const url = h('input', { type: 'text', name: 'try-url', placeholder: 'https://chatgpt.com/', size: 40 });
  const text = h('textarea', { name: 'try-text', rows: 3, placeholder: 'Text to paste (checked on the server, never stored)' });
  const department = h('input', { name: 'try-department', size: 12 });
  const user = h('input', { name: 'try-user', size: 20 });
  const which = h('select', { name: 'try-policy' }, h('option', { value: '' }, 'the draft'), versions.map((v) => h('option', { value: String(v.version) }, `version ${v.version}`)));
  const result = h('div', { id: 'try-result' });
  return h(
    'section',
    { class: 'card', id: 'try-it' },
    h('h2', { text: 'Try it' }),
    h(
      'form',
      {
        class: 'stack',
        onsubmit: async (/** @type {Event} */ ev) => {
          ev.preventDefault();
          fill(result, h('p', { class: 'muted', text: 'Checking…' }));
          /** @type {Record<string, unknown>} */
          const body = {};
          if (url.value.trim()) body.url = url.value.trim();
          if (text.value) body.text = text.value;
          if (department.value.trim()) body.department = department.value.trim();
          if (user.value.trim()) body.user = user.value.trim();
          if (which.value) body.version = Number(which.value);
          try {
            fill(result, previewResult(await api('POST', '/v1/admin/preview', body)));
          } catch (e) {
            fill(result, errorBox(e));
          }
        },
      },
      h('div', { class: 'toolbar' }, field('URL', url), field('Department', department), field('User', user), field('Policy', which)),
      field('Pasted text', text),
      h('div', {}, h('button', { type: 'submit', class: 'primary' }, 'Try it')),
    ),
    result,
  );
}

/** @param {any} r the preview answer */
function previewResult(r) {
  const d = r.decision;
  const s = r.scan;
  return h(
    'div',
    {},
    h('p', { class: 'muted', text: `Decided with ${r.policy}.` }),
    d
      ? h(
          'dl',
          { class: 'kv', id: 'try-decision' },
          h('dt', { text: 'Visit' }), h('dd', {}, actionBadge(d.action)),
          h('dt', { text: 'Rule' }), h('dd', { dataset: { k: 'rule' }, text: d.rule ?? '(none)' }),
          h('dt', { text: 'Decided by' }), h('dd', { text: d.source }),
          h('dt', { text: 'Host' }), h('dd', { text: d.host ?? '' }),
          h('dt', { text: 'Category' }), h('dd', { text: d.category ?? '' }),
          h('dt', { text: 'Reference' }), h('dd', { text: d.policy_ref ?? '' }),
          h('dt', { text: 'Message' }), h('dd', { text: d.message ?? '' }),
          d.alternative ? [h('dt', { text: 'Suggested instead' }), h('dd', { text: d.alternative.name })] : null,
          d.notice ? [h('dt', { text: 'CPRA notice' }), h('dd', { text: d.notice })] : null,
        )
      : null,
    s
      ? h(
          'div',
          { id: 'try-scan' },
          h('h3', {}, 'Paste: ', actionBadge(s.action), s.rule ? ` (${s.rule})` : ''),
          s.message ? h('p', { text: s.message }) : null,
          table(
            [
              { label: 'Detector', value: (f) => f.detector },
              { label: 'Severity', value: (f) => f.severity },
              { label: 'Where (bytes)', value: (f) => `${f.start}–${f.end}` },
              { label: 'Action', value: (f) => actionBadge(f.action) },
              { label: 'Rule', value: (f) => f.rule ?? '' },
            ],
            s.findings ?? [],
            { class: 'compact', empty: 'Nothing sensitive found.' },
          ),
        )
      : null,
  );
}

/**
 * Publishing: the changes since the published version, a note, and the button.
 * @param {number} latest
 * @param {any} draftDoc
 * @param {import('../main.js').Context} ctx
 */
function publishPanel(latest, draftDoc, ctx) {
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
