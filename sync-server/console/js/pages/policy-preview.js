/**
 * "Try it": what a policy (the draft, or a version) does to a URL or a paste, for someone,
 * as the server's engine decides it (/v1/admin/preview).
 * @module
 */
import { api } from '../api.js';
import { actionBadge, errorBox, field, fill, h, notice, table } from '../dom.js';

/**
 * "Try it": what a policy (the draft, or a version) does to a URL or a paste, for someone.
 * @param {any[]} versions
 */
export function tryIt(versions) {
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
