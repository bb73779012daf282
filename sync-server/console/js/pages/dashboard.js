/**
 * The dashboard: what staff tried, as charts (Chart.js, vendored) over
 * /v1/admin/reports/aggregates for a time range. Each chart has its numbers beside it in a
 * table, for readers who cannot see the canvas and for a quick exact count.
 *
 * A department head's aggregates are their own department's: the server confines the query.
 *
 * The "devices that have not synced lately" card lists, from /v1/admin/devices, the devices
 * whose last policy fetch is older than `stale_days` (route parameter, default 7). Each server
 * writes what it saw at most once a minute, so a device shows up with that delay. Each row
 * says whether the device's network check (the extension's second line, which needs a
 * policy-installed extension) was on at that fetch.
 * @module
 */
import { api, query } from '../api.js';
import { field, fill, h, notice, table, when } from '../dom.js';
import { VOCABULARY } from '../vocabulary.js';

/** Days without a policy fetch after which a device counts as not syncing. */
export const DEFAULT_STALE_DAYS = 7;

/** Event kinds the extension reports, as people call them (from lifeguard-core). */
export const KIND_LABELS = /** @type {Record<string, string>} */ (Object.fromEntries(VOCABULARY.kinds.map((k) => [k.id, k.label])));

/** Detectors, as people call them (from lifeguard-core). */
const DETECTOR_LABELS = /** @type {Record<string, string>} */ (Object.fromEntries(VOCABULARY.detectors.map((d) => [d.id, d.label])));

const PALETTE = ['#b3261e', '#d98c00', '#1a7f37', '#0b5cad', '#7b3fa0', '#00838f', '#6d4c41', '#c2185b', '#546e7a', '#9e9d24', '#5c6bc0'];

/** @param {string} kind */
export function kindLabel(kind) {
  return KIND_LABELS[kind] ?? kind;
}

/** @param {string} detector */
export function detectorLabel(detector) {
  return DETECTOR_LABELS[detector] ?? detector;
}

/** @type {any[]} charts drawn by the last render, destroyed before the next */
let charts = [];
/** @type {(() => any)[]} charts waiting for their canvas to be in the document */
const pending = [];

/** @param {Date} d */
function isoDay(d) {
  return d.toISOString().slice(0, 10);
}

/**
 * The range from the route: `days` back from today (UTC), or `from`/`to` dates.
 * @param {URLSearchParams} params
 */
function range(params) {
  const today = new Date();
  const tomorrow = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 1));
  if (params.get('from') || params.get('to')) {
    return { from: params.get('from') ?? '', to: params.get('to') ?? isoDay(tomorrow), days: 'custom' };
  }
  const days = Number(params.get('days') ?? '30') || 30;
  const from = new Date(tomorrow.getTime() - days * 86400_000);
  return { from: isoDay(from), to: isoDay(tomorrow), days: String(days) };
}

/**
 * Every day from `from` up to (not including) `to`.
 * @param {string} from
 * @param {string} to
 */
function daysBetween(from, to) {
  const out = [];
  const end = Date.parse(to);
  for (let t = Date.parse(from); t < end && out.length < 800; t += 86400_000) out.push(isoDay(new Date(t)));
  return out;
}

/**
 * @param {HTMLElement} root
 * @param {import('../main.js').Context} ctx
 */
export async function render(root, ctx) {
  for (const c of charts) c.destroy();
  charts = [];
  const r = range(ctx.params);
  const staleParam = Number.parseInt(ctx.params.get('stale_days') ?? '', 10);
  const staleDays = Number.isFinite(staleParam) && staleParam >= 0 ? Math.min(staleParam, 3650) : DEFAULT_STALE_DAYS;
  // Changing the time range keeps the chosen staleness, and the other way round.
  const keep = (/** @type {Record<string, string>} */ p) => ctx.navigate('dashboard', ctx.params.has('stale_days') ? { ...p, stale_days: String(staleDays) } : p);
  const preset = h(
    'select',
    { id: 'range-preset', onchange: () => (preset.value === 'custom' ? null : keep({ days: preset.value })) },
    [['7', 'Last 7 days'], ['30', 'Last 30 days'], ['90', 'Last 90 days'], ['365', 'Last year'], ['custom', 'Custom range']].map(([v, l]) =>
      h('option', { value: v, selected: v === r.days }, l),
    ),
  );
  const from = h('input', { type: 'date', id: 'range-from', value: r.from });
  const to = h('input', { type: 'date', id: 'range-to', value: r.to });
  const picker = h(
    'form',
    { class: 'toolbar', onsubmit: (/** @type {Event} */ ev) => { ev.preventDefault(); keep({ from: from.value, to: to.value }); } },
    field('Time range', preset),
    field('From (UTC)', from),
    field('Until (UTC, not included)', to),
    h('button', { type: 'submit' }, 'Show'),
  );
  const body = h('div', {}, h('p', { class: 'muted', text: 'Loading…' }));
  fill(
    root,
    h('h1', { text: ctx.session.department && !ctx.can.allDepartments ? `Dashboard · ${ctx.session.department}` : 'Dashboard' }),
    picker,
    body,
  );

  const [a, d] = await Promise.all([
    api('GET', `/v1/admin/reports/aggregates${query({ from: r.from, to: r.to, top: 10 })}`),
    api('GET', `/v1/admin/devices${query({ stale_days: staleDays })}`),
  ]);
  /** @type {{day: string, kind: string, count: number}[]} */
  const perDay = a.per_day;
  const kinds = [...new Set(perDay.map((p) => p.kind))].sort();
  const totals = kinds.map((k) => ({ key: k, count: perDay.filter((p) => p.kind === k).reduce((n, p) => n + p.count, 0) }));
  const total = totals.reduce((n, t) => n + t.count, 0);

  // Each number opens the reports behind it, for the same range.
  const reportsLink = (/** @type {Record<string, string>} */ q) => `#/reports?${new URLSearchParams({ from: r.from, to: r.to, ...q })}`;
  const stats = h(
    'div',
    { class: 'stats', id: 'stats' },
    h('a', { class: 'stat', href: reportsLink({}) }, h('b', { dataset: { stat: 'total' }, text: total }), 'events'),
    ['visit_blocked', 'visit_warned', 'paste_blocked', 'paste_redacted'].map((k) =>
      h('a', { class: 'stat', href: reportsLink({ kind: k }) }, h('b', { dataset: { stat: k }, text: totals.find((t) => t.key === k)?.count ?? 0 }), kindLabel(k)),
    ),
  );

  const days = daysBetween(r.from || (perDay[0]?.day ?? r.to), r.to);
  const perDayChart = chartCard('chart-per-day', 'Attempts per day, by kind', totals.map((t) => ({ key: kindLabel(t.key), count: t.count })), 'Kind', (canvas) =>
    new window.Chart(canvas, {
      type: 'bar',
      data: {
        labels: days,
        datasets: kinds.map((k, i) => ({
          label: kindLabel(k),
          backgroundColor: PALETTE[i % PALETTE.length],
          data: days.map((d) => perDay.find((p) => p.day === d && p.kind === k)?.count ?? 0),
        })),
      },
      options: { ...baseOptions(), scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  );

  fill(
    body,
    stats,
    total === 0 ? notice('info', 'No reports in this range.') : null,
    h(
      'div',
      { class: 'grid' },
      perDayChart,
      barCard('chart-category', 'By site category', a.by_category, 'Category'),
      barCard('chart-department', 'By department', a.by_department, 'Department'),
      barCard('chart-hosts', 'Top AI hosts tried', a.top_hosts, 'Host'),
      barCard('chart-detectors', 'Top detectors hit (findings)', a.top_detectors.map((/** @type {{key: string, count: number}} */ r) => ({ key: detectorLabel(r.key), count: r.count })), 'Detector'),
      staleCard(d.devices, staleDays, ctx),
    ),
  );
  // Charts are drawn once their canvases are in the document (Chart.js measures them).
  for (const draw of pending.splice(0)) charts.push(draw());
}

/**
 * The devices whose last policy fetch is older than `days` days, oldest first (as the server
 * sorts them). Device names and departments come from tokens: shown as text only.
 * @param {{device: string, department: string|null, policy_version: number|null, last_seen: string, network_guard: boolean|null}[]} devices
 * @param {number} days
 * @param {import('../main.js').Context} ctx
 */
function staleCard(devices, days, ctx) {
  const input = h('input', { type: 'number', id: 'stale-days', min: '0', max: '3650', value: String(days) });
  const form = h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (/** @type {Event} */ ev) => {
        ev.preventDefault();
        ctx.navigate('dashboard', { ...Object.fromEntries(ctx.params), stale_days: String(Number(input.value) || 0) });
      },
    },
    field('Not synced for (days)', input),
    h('button', { type: 'submit' }, 'List devices'),
  );
  return h(
    'section',
    { class: 'card', id: 'chart-stale-devices' },
    h('h3', { text: 'Devices that have not synced lately' }),
    form,
    h('p', { class: 'muted', dataset: { staleCount: String(devices.length) }, text: `${devices.length} device${devices.length === 1 ? '' : 's'} without a policy fetch in the last ${days} day${days === 1 ? '' : 's'}.` }),
    table(
      [
        { label: 'Device', value: (/** @type {typeof devices[number]} */ x) => x.device },
        { label: 'Department', value: (/** @type {typeof devices[number]} */ x) => x.department ?? '' },
        { label: 'Policy version', value: (/** @type {typeof devices[number]} */ x) => (x.policy_version === null ? '' : String(x.policy_version)), num: true },
        { label: 'Last seen', value: (/** @type {typeof devices[number]} */ x) => when(x.last_seen) },
        { label: 'Network check', value: (/** @type {typeof devices[number]} */ x) => (x.network_guard === null ? 'not reported' : x.network_guard ? 'on' : 'off') },
      ],
      devices,
      { class: 'compact stale-devices', empty: `No device has gone ${days} day${days === 1 ? '' : 's'} without fetching the policy.` },
    ),
  );
}

function baseOptions() {
  // No animation: the console is read, not watched, and a chart should show its numbers at
  // once (also for screenshots).
  return { responsive: true, maintainAspectRatio: false, animation: /** @type {const} */ (false), plugins: { legend: { position: /** @type {const} */ ('bottom') } } };
}

/**
 * A chart with its numbers.
 * @param {string} id
 * @param {string} title
 * @param {{key: string, count: number}[]} rows
 * @param {string} keyLabel
 * @param {(canvas: HTMLCanvasElement) => any} draw
 */
function chartCard(id, title, rows, keyLabel, draw) {
  const canvas = h('canvas', { role: 'img', 'aria-label': title });
  pending.push(() => draw(canvas));
  return h(
    'section',
    { class: 'card', id },
    h('h3', { text: title }),
    h('div', { class: 'chart-box' }, canvas),
    table(
      [
        { label: keyLabel, value: (/** @type {{key: string, count: number}} */ r) => r.key },
        { label: 'Count', value: (/** @type {{key: string, count: number}} */ r) => String(r.count), num: true },
      ],
      rows,
      { class: 'compact chart-data', empty: 'No data in this range.' },
    ),
  );
}

/**
 * A horizontal bar chart of counts by key.
 * @param {string} id
 * @param {string} title
 * @param {{key: string, count: number}[]} rows
 * @param {string} keyLabel
 */
function barCard(id, title, rows, keyLabel) {
  // Events without a category (a paste) or a department have an empty key.
  rows = rows.map((r) => ({ key: r.key || '(none)', count: r.count }));
  return chartCard(id, title, rows, keyLabel, (canvas) =>
    new window.Chart(canvas, {
      type: 'bar',
      data: { labels: rows.map((r) => r.key), datasets: [{ label: title, data: rows.map((r) => r.count), backgroundColor: '#0b5cad' }] },
      options: { ...baseOptions(), indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    }),
  );
}
