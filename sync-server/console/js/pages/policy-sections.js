/**
 * The policy's sections as the editor shows them: for each, its fields (the form) and its
 * columns (the table), and the form that edits one item. The closed lists (categories,
 * actions, severities, the vendors of tenant restrictions) are lifeguard-core's
 * (vocabulary.js).
 * @module
 */
import { api } from '../api.js';
import { actionBadge, errorBox, field, fill, h, notice, when } from '../dom.js';
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
export const list = (l) => (l ?? []).join(', ');
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
const TENANT = VOCABULARY.tenant_vendors.map((v) => /** @type {FieldDef} */ ({
  name: `tenant_restrictions.${v.field}`,
  label: `City workspace only: ${v.label}`,
  type: v.list ? 'list' : 'text',
  hint: `${v.hint}; sets ${v.header} on ${v.hosts[0]}`,
}));

/** Which vendors a tool's tenant restrictions name, for tables and diffs. @param {any} i */
export const tenants = (i) => {
  const t = i?.tenant_restrictions ?? {};
  const vendors = VOCABULARY.tenant_vendors.filter((v) => t[v.field]).map((v) => v.product);
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
export function canEdit(section, can) {
  return section === 'exceptions' ? can.editExceptions : can.editPolicy;
}

/**
 * The form for one item.
 * @param {string} section
 * @param {SectionDef} def
 * @param {any} item the item edited, or undefined for a new one
 * @param {(saved: any) => void} done
 */
export function itemForm(section, def, item, done) {
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
