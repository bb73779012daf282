/**
 * Approval requests (APP 04.05 §IV.2): the queue, and one request with what staff wrote, the
 * AI Evaluation Checklist as IT's review form, and approve (adds an authorized tool or a
 * time-boxed pilot to the draft, §IV.7) or deny with a reason. Only IT reviews and decides;
 * the other roles read (a department head, their department's requests only).
 * @module
 */
import { api, query } from '../api.js';
import { errorBox, field, fill, h, notice, table, when } from '../dom.js';

const STATUSES = ['submitted', 'in_review', 'approved', 'denied'];

/**
 * @param {HTMLElement} root
 * @param {import('../main.js').Context} ctx
 */
export async function render(root, ctx) {
  const id = ctx.params.get('id');
  if (id) return detail(root, ctx, id);
  const status = ctx.params.get('status') ?? '';
  const select = h('select', { name: 'status', onchange: () => ctx.navigate('approvals', { status: select.value }) }, h('option', { value: '' }, 'all'), STATUSES.map((s) => h('option', { value: s, selected: s === status }, s.replace('_', ' '))));
  const list = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  fill(root, h('h1', { text: 'Approval requests' }), h('div', { class: 'toolbar' }, field('Status', select)), list);
  const { requests } = await api('GET', `/v1/admin/approvals${query({ status, limit: 200 })}`);
  fill(
    list,
    table(
      [
        { label: 'Submitted', value: (/** @type {any} */ r) => when(r.created_at) },
        { label: 'Requester', value: (/** @type {any} */ r) => r.request?.requester ?? '' },
        { label: 'Department', value: (/** @type {any} */ r) => r.department },
        { label: 'Tool', value: (/** @type {any} */ r) => r.tool ?? r.url ?? '' },
        { label: 'Status', value: (/** @type {any} */ r) => h('span', { class: 'badge', text: r.status.replace('_', ' ') }) },
        { label: '', value: (/** @type {any} */ r) => h('a', { href: `#/approvals?id=${encodeURIComponent(r.id)}`, text: ctx.can.review && ['submitted', 'in_review'].includes(r.status) ? 'Review' : 'Open' }) },
      ],
      requests,
      { class: 'approvals', empty: 'No requests.' },
    ),
  );
}

/**
 * @param {HTMLElement} root
 * @param {import('../main.js').Context} ctx
 * @param {string} id
 */
async function detail(root, ctx, id) {
  const a = await api('GET', `/v1/admin/approvals/${encodeURIComponent(id)}`);
  const r = a.request ?? {};
  const open = ['submitted', 'in_review'].includes(a.status);
  const status = h('div', { id: 'approval-status' });
  const reload = () => ctx.navigate('approvals', { id, t: String(Date.now()) });
  fill(
    root,
    h('p', {}, h('a', { href: '#/approvals', text: '← All requests' })),
    h('h1', { text: `Request for ${r.tool || r.url || 'an AI tool'}` }),
    status,
    h(
      'section',
      { class: 'card' },
      h('h2', { text: 'What the department asks (§IV.2)' }),
      h(
        'dl',
        { class: 'kv' },
        [
          ['Status', a.status.replace('_', ' ')],
          ['Requester', r.requester],
          ['Department', a.department],
          ['Submitted', when(a.created_at)],
          ['Tool', r.tool],
          ['URL', r.url],
          ['Business objective', r.objective],
          ['Why AI is necessary or beneficial', r.why_ai],
          ['Alternatives considered', r.alternatives],
          ['Data it would see', r.data],
        ].map(([k, v]) => [h('dt', { text: k }), h('dd', { text: v ?? '' })]),
      ),
    ),
    a.decision ? h('section', { class: 'card', id: 'approval-decision' }, h('h2', { text: 'Decision' }), h('dl', { class: 'kv' }, h('dt', { text: 'By' }), h('dd', { text: a.decision.by }), h('dt', { text: 'Reason' }), h('dd', { text: a.decision.note ?? '' }), a.decision.added ? [h('dt', { text: 'Added to the draft' }), h('dd', { text: `${a.decision.added.section} / ${a.decision.added.id}` })] : null)) : null,
    checklist(a, ctx.can.review && open, status, reload),
    ctx.can.review && a.status === 'in_review' ? approveForm(a, status, reload) : null,
    ctx.can.review && open ? denyForm(a, status, reload) : null,
  );
}

/** The checklist's questions, in the order of §IV.2. */
const QUESTIONS = [
  ['vendor_controls', 'The vendor’s cybersecurity and privacy controls (encryption, authentication, access management)'],
  ['retention_export_deletion', 'Data retention, export and deletion capabilities'],
  ['explainability', 'Transparency and explainability of AI decision processes'],
  ['audit_trails', 'Audit trails, logging and human oversight'],
  ['compliance', 'Alignment with the City’s Information Security, Privacy and Responsible Use policies; compliance with CJIS and applicable federal, state and local laws'],
  ['embedded_third_party_ai', 'Embedded or third-party AI services that may process City data'],
];

/**
 * The AI Evaluation Checklist: a form for IT while the request is open, else what was
 * recorded.
 * @param {any} a
 * @param {boolean} editable
 * @param {HTMLElement} status
 * @param {() => void} reload
 */
function checklist(a, editable, status, reload) {
  const rv = a.review ?? {};
  const dataTypes = h('input', { name: 'data_types', value: (rv.data_types ?? []).join(', '), disabled: !editable, size: 50, placeholder: 'public, internal, PII…' });
  const flags = /** @type {const} */ (['cji', 'pii', 'hipaa']).map((k) => ({ k, el: h('input', { type: 'checkbox', name: k, checked: rv[k], disabled: !editable }) }));
  const answers = QUESTIONS.map(([k, label]) => ({ k, label, el: h('textarea', { name: k, rows: 2, value: rv[k] ?? '', disabled: !editable, required: true }) }));
  const notes = h('textarea', { name: 'notes', rows: 2, value: rv.notes ?? '', disabled: !editable });
  return h(
    'section',
    { class: 'card', id: 'checklist' },
    h('h2', { text: 'AI Evaluation Checklist (§IV.2)' }),
    a.reviewed_by ? h('p', { class: 'muted', text: `Reviewed by ${a.reviewed_by}` }) : null,
    h(
      'form',
      {
        class: 'stack',
        onsubmit: async (/** @type {Event} */ ev) => {
          ev.preventDefault();
          /** @type {Record<string, unknown>} */
          const body = { data_types: dataTypes.value.split(',').map((s) => s.trim()).filter(Boolean), notes: notes.value };
          for (const f of flags) body[f.k] = f.el.checked;
          for (const q of answers) body[q.k] = q.el.value;
          try {
            await api('PUT', `/v1/admin/approvals/${encodeURIComponent(a.id)}/review`, body);
            reload();
          } catch (e) {
            fill(status, errorBox(e));
          }
        },
      },
      field('Types of data stored, transmitted or processed', dataTypes),
      h('fieldset', {}, h('legend', { text: 'The data includes' }), flags.map((f) => h('label', { class: 'inline' }, f.el, { cji: 'Criminal Justice Information (CJI)', pii: 'Personally identifiable information (PII)', hipaa: 'HIPAA-protected health information' }[f.k]))),
      answers.map((q) => field(q.label, q.el)),
      field('Other notes', notes),
      editable ? h('div', {}, h('button', { type: 'submit', class: 'primary', id: 'save-review' }, 'Save the review')) : null,
    ),
  );
}

/**
 * Approving: what to add to the draft.
 * @param {any} a
 * @param {HTMLElement} status
 * @param {() => void} reload
 */
function approveForm(a, status, reload) {
  const r = a.request ?? {};
  let host = '';
  try {
    host = r.url ? new URL(/^https?:/i.test(r.url) ? r.url : `https://${r.url}`).hostname : '';
  } catch {
    host = '';
  }
  const slug = (r.tool || host || 'tool').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  const grant = h('select', { name: 'grant' }, h('option', { value: 'tool' }, 'an authorized tool (§IV.1)'), h('option', { value: 'pilot' }, 'a pilot, public data only (§IV.7)'));
  const id = h('input', { name: 'grant-id', value: slug });
  const name = h('input', { name: 'grant-name', value: r.tool ?? host });
  const hosts = h('input', { name: 'grant-hosts', value: host, size: 40 });
  const departments = h('input', { name: 'grant-departments', value: a.department });
  const users = h('input', { name: 'grant-users', value: r.requester ?? '', size: 40 });
  const expires = h('input', { name: 'grant-expires', type: 'date' });
  const cpra = h('textarea', { name: 'grant-notice', rows: 2, value: 'AI output created for City business is a public record under the California Public Records Act (CPRA).' });
  const note = h('input', { name: 'grant-note', size: 50 });
  const split = (/** @type {string} */ s) => s.split(',').map((x) => x.trim()).filter(Boolean);
  return h(
    'section',
    { class: 'card', id: 'approve' },
    h('h2', { text: 'Approve' }),
    h(
      'form',
      {
        class: 'stack',
        onsubmit: async (/** @type {Event} */ ev) => {
          ev.preventDefault();
          const body = {
            grant: grant.value,
            id: id.value.trim(),
            name: name.value.trim(),
            hosts: split(hosts.value),
            departments: split(departments.value),
            users: split(users.value),
            note: note.value,
            ...(grant.value === 'pilot' ? { expires_at: expires.value } : { public_records_notice: cpra.value }),
          };
          try {
            await api('POST', `/v1/admin/approvals/${encodeURIComponent(a.id)}/approve`, body);
            reload();
          } catch (e) {
            fill(status, errorBox(e));
          }
        },
      },
      notice('info', 'Approving adds the tool or pilot to the draft; publish the draft to let browsers allow it.'),
      field('Add', grant),
      field('Id', id),
      field('Name', name),
      field('Hosts (comma-separated)', hosts),
      field('Departments', departments),
      field('Staff (e-mail, comma-separated)', users),
      field('Pilot ends (pilots only)', expires),
      field('CPRA notice (tools only)', cpra),
      field('Note', note),
      h('div', {}, h('button', { type: 'submit', class: 'primary', id: 'approve-button' }, 'Approve')),
    ),
  );
}

/**
 * Denying, with the reason the requester will see.
 * @param {any} a
 * @param {HTMLElement} status
 * @param {() => void} reload
 */
function denyForm(a, status, reload) {
  const reason = h('textarea', { name: 'deny-reason', rows: 2, required: true });
  return h(
    'section',
    { class: 'card', id: 'deny' },
    h('h2', { text: 'Deny' }),
    h(
      'form',
      {
        class: 'stack',
        onsubmit: async (/** @type {Event} */ ev) => {
          ev.preventDefault();
          try {
            await api('POST', `/v1/admin/approvals/${encodeURIComponent(a.id)}/deny`, { note: reason.value });
            reload();
          } catch (e) {
            fill(status, errorBox(e));
          }
        },
      },
      field('Reason (the requester sees it)', reason),
      h('div', {}, h('button', { type: 'submit', class: 'danger', id: 'deny-button' }, 'Deny')),
    ),
  );
}
