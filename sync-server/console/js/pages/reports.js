/**
 * The reports table: every stored event, filtered and paged, and the same filter as a CSV
 * file (for CPRA requests and incident response, APP 04.05 §IV.4, §VI). Filters live in the
 * route, so a filtered view can be reloaded or sent to a colleague.
 * @module
 */
import { api, download, query } from '../api.js';
import { actionBadge, errorBox, field, fill, h, table, when } from '../dom.js';
import { KIND_LABELS, detectorLabel, kindLabel } from './dashboard.js';

const PAGE_SIZE = 50;

/**
 * What an event says beyond its rule: how many (events a device lost), what it is about (an
 * AI extension's id), why the user went on after a warning.
 * @param {{count?: number|null, subject?: string|null, justification?: string|null}} e
 */
function details(e) {
  const parts = [];
  if (e.count != null) parts.push(`count ${e.count}`);
  if (e.subject) parts.push(e.subject);
  if (e.justification) parts.push(`“${e.justification}”`);
  return parts.join(' · ');
}

/** Why a report's user is a lead, not proof (APP 04.05 §IV.4 incident response). */
const CLAIMED_WHY = 'Reports are filed with a device token issued to a department (or a device), not to a person, so whoever holds the token can name anyone; the server does not verify it.';
const CLAIMED_USER_HINT = `As reported by the device. ${CLAIMED_WHY}`;

/**
 * A report's user, marked as the device's claim, with the reason on hover.
 * @param {string|null|undefined} user
 */
function claimedUser(user) {
  if (!user) return '';
  return h('span', { class: 'claimed-user', title: CLAIMED_USER_HINT }, user, h('small', { class: 'muted', text: ' (as reported by the device)' }));
}
const FILTERS = ['from', 'to', 'department', 'user', 'kind', 'host', 'rule', 'detector', 'incident'];

/**
 * @param {HTMLElement} root
 * @param {import('../main.js').Context} ctx
 */
export async function render(root, ctx) {
  const p = ctx.params;
  const confined = !ctx.can.allDepartments;
  /** @type {Record<string, HTMLInputElement|HTMLSelectElement>} */
  const inputs = {
    from: h('input', { type: 'date', name: 'from', value: p.get('from') }),
    to: h('input', { type: 'date', name: 'to', value: p.get('to') }),
    // A department head's reports are their department's: the server enforces it, the
    // field just says so.
    department: h('input', { name: 'department', value: confined ? ctx.session.department : p.get('department'), disabled: confined, size: 12 }),
    user: h('input', { name: 'user', value: p.get('user'), size: 18 }),
    kind: h('select', { name: 'kind' }, h('option', { value: '' }, 'any'), Object.entries(KIND_LABELS).map(([k, l]) => h('option', { value: k, selected: p.get('kind') === k }, l))),
    host: h('input', { name: 'host', value: p.get('host'), size: 16 }),
    rule: h('input', { name: 'rule', value: p.get('rule'), size: 16 }),
    detector: h('input', { name: 'detector', value: p.get('detector'), size: 14 }),
    incident: h('input', { type: 'checkbox', name: 'incident', checked: p.get('incident') === 'true' }),
  };
  const offset = Math.max(0, Number(p.get('offset') ?? '0') || 0);

  /** The filter as the route's query (without paging). */
  const values = () => {
    /** @type {Record<string, string>} */
    const out = {};
    for (const k of FILTERS) {
      const el = inputs[k];
      if (k === 'department' && confined) continue;
      const v = el instanceof HTMLInputElement && el.type === 'checkbox' ? (el.checked ? 'true' : '') : el.value.trim();
      if (v) out[k] = v;
    }
    return out;
  };

  const status = h('div');
  const form = h(
    'form',
    { class: 'toolbar', id: 'report-filters', onsubmit: (/** @type {Event} */ ev) => { ev.preventDefault(); ctx.navigate('reports', values()); } },
    field('From', inputs.from),
    field('Before (date)', inputs.to),
    field('Department', inputs.department),
    field('User', inputs.user, 'as reported by devices'),
    field('Kind', inputs.kind),
    field('Host', inputs.host),
    field('Rule', inputs.rule),
    field('Detector', inputs.detector),
    h('label', { class: 'inline' }, inputs.incident, 'Incidents only'),
    h('button', { type: 'submit', class: 'primary' }, 'Filter'),
    h('button', { type: 'button', onclick: () => ctx.navigate('reports') }, 'Clear'),
    h(
      'button',
      {
        type: 'button',
        id: 'export-csv',
        onclick: async () => {
          try {
            await download(`/v1/admin/reports/export.csv${query(currentQuery())}`, 'lifeguard-reports.csv');
          } catch (e) {
            fill(status, errorBox(e));
          }
        },
      },
      'Export CSV',
    ),
  );
  const results = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  fill(root, h('h1', { text: 'Reports' }), form, status, results);

  /** The query the route stands for (the API's parameter names are the route's). */
  function currentQuery() {
    /** @type {Record<string, string>} */
    const q = {};
    for (const k of FILTERS) {
      const v = p.get(k);
      if (v) q[k] = v;
    }
    return q;
  }

  // One row more than a page tells whether there is a next page.
  const data = await api('GET', `/v1/admin/reports${query({ ...currentQuery(), limit: PAGE_SIZE + 1, offset })}`);
  /** @type {any[]} */
  const events = data.events;
  const more = events.length > PAGE_SIZE;
  const rows = events.slice(0, PAGE_SIZE);
  const page = (/** @type {number} */ o) => ctx.navigate('reports', { ...currentQuery(), ...(o ? { offset: String(o) } : {}) });
  fill(
    results,
    table(
      [
        { label: 'Time', value: (e) => when(e.time) },
        { label: 'Kind', value: (e) => kindLabel(e.kind) },
        { label: 'Host', value: (e) => e.host ?? '' },
        { label: 'Rule', value: (e) => e.rule ?? '' },
        { label: 'Category', value: (e) => e.category ?? '' },
        { label: 'Action', value: (e) => actionBadge(e.action) },
        { label: 'Detectors', value: (e) => Object.entries(e.detectors ?? {}).map(([d, n]) => `${detectorLabel(d)} ×${n}`).join(', ') },
        { label: 'User', value: (e) => claimedUser(e.user) },
        { label: 'Department', value: (e) => e.department ?? '' },
        { label: 'Incident', value: (e) => (e.incident ? h('span', { class: 'badge action-block', text: 'incident' }) : '') },
        { label: 'Details', value: details },
      ],
      rows,
      { empty: 'No reports match this filter.', class: 'reports', caption: `Users are as reported by the device. ${CLAIMED_WHY}` },
    ),
    h(
      'div',
      { class: 'pager' },
      h('button', { type: 'button', id: 'page-prev', disabled: offset === 0, onclick: () => page(Math.max(0, offset - PAGE_SIZE)) }, '← Newer'),
      h('span', { id: 'page-info', text: rows.length ? `Rows ${offset + 1}–${offset + rows.length}` : '' }),
      h('button', { type: 'button', id: 'page-next', disabled: !more, onclick: () => page(offset + PAGE_SIZE) }, 'Older →'),
    ),
  );
}
