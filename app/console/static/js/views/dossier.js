// A dossier: its documents, the desk's forms (Mẫu 02, 04, 05), its diagram with finished, current and overdue steps, the control sheet, the receipt.
import { api, apiAll, clockOffset } from '../api.js';
import { tr } from '../i18n.js';
import { diagram } from './designer.js';
import { deskSection } from './desk.js';
import { attachPoint, documentsSection } from './documents.js';
import { dueCell, dueMark, openHtml, openPdf, stepStatus } from './officer.js';
import { h, input, loading, page, select, table, time } from '../ui.js';

const STATUSES = ['received', 'processing', 'paused', 'finished', 'withdrawn', 'stopped', 'incident'];

export async function dossiersView() {
  const render = page();
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  render(h('h1', tr('Hồ sơ', 'Dossiers')), loading());
  const query = Object.fromEntries(['status', 'overdue', 'code', 'procedure'].map((k) => [k, params.get(k) || undefined]));
  const items = await apiAll('dossiers', query, 3);
  const filter = h('form.mf-actions', { onsubmit: (e) => {
    e.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of new FormData(e.target).entries()) if (v) q.set(k, v);
    location.hash = `#/dossiers?${q}`;
  } }, input('code', { placeholder: tr('Mã hồ sơ', 'Code'), value: params.get('code') || '' }),
  select('status', [['', tr('— trạng thái —', '— status —')], ...STATUSES.map((s) => [s, s])]),
  select('overdue', [['', tr('— hạn —', '— due —')], ['true', tr('Quá hạn', 'Overdue')], ['false', tr('Trong hạn', 'On time')]]),
  h('button', { type: 'submit' }, tr('Lọc', 'Filter')));
  filter.elements.status.value = params.get('status') || '';
  filter.elements.overdue.value = params.get('overdue') || '';
  render(h('h1', tr('Hồ sơ', 'Dossiers')), filter, table([
    [tr('Mã hồ sơ', 'Code'), (d) => h('a', { href: `#/dossiers/${d.id}` }, d.code)],
    [tr('Thủ tục', 'Procedure'), (d) => `${d.procedure_key} v${d.version}`],
    [tr('Người nộp', 'Applicant'), (d) => (d.applicant && d.applicant.name) || ''],
    [tr('Tiếp nhận', 'Received'), (d) => time(d.received_at)],
    [tr('Hẹn trả', 'Due'), (d) => time(d.due_at)],
    [tr('Trạng thái', 'Status'), (d) => d.status],
  ], items));
}

/** `notice`: a message for the desk's section once the page is shown again (after form 02 was issued or answered). */
export async function dossierView(id, notice = null) {
  const render = page();
  render(h('h1', tr('Hồ sơ', 'Dossier')), loading());
  const [d, sheet, offset] = await Promise.all([api(`dossiers/${id}`), api(`dossiers/${id}/control-sheet`).catch(() => null), clockOffset()]);
  const messages = h('div');
  const dia = h('div', { id: 'dossier-diagram' });
  const allSteps = [...(d.past_steps || []), ...(d.current_steps || [])];
  // started once the first calls are answered (a token refreshed for them serves this one too)
  const attach = attachPoint(d);
  const reload = async (message) => { if (render.live()) await dossierView(id, message); };
  const desk = deskSection(d, { reload, notice });
  const documents = documentsSection(d, { stepId: attach.stepId, canUpload: attach.allowed, canDelete: attach.allowed,
    onChange: () => desk.refresh() });
  render(
    h('h1', `${tr('Hồ sơ', 'Dossier')} `, h('span', { id: 'dossier-code' }, d.code)),
    messages,
    h('div.mf-grid',
      h('div.mf-card',
        h('div', h('strong', d.procedure_name), ` (${d.procedure_key} v${d.version})`),
        h('div', tr('Người nộp: ', 'Applicant: '), (d.applicant && d.applicant.name) || ''),
        h('div', tr('Tiếp nhận: ', 'Received: '), time(d.received_at), ' · ', tr('Hẹn trả: ', 'Due: '), time(d.due_at)),
        h('div', tr('Trạng thái: ', 'Status: '), h('strong', { id: 'dossier-status' }, d.status), d.incident ? ` — ${d.incident}` : ''),
        h('div.mf-actions',
          h('button.mf-secondary', { type: 'button', id: 'print-receipt', onclick: () => openHtml(`dossiers/${id}/receipt`, messages) }, tr('Giấy tiếp nhận (in)', 'Receipt (print)')),
          h('button.mf-secondary', { type: 'button', id: 'pdf-receipt', onclick: () => openPdf(`dossiers/${id}/receipt`, messages) }, tr('Giấy tiếp nhận (PDF)', 'Receipt (PDF)')),
          h('button.mf-secondary', { type: 'button', onclick: () => openHtml(`dossiers/${id}/control-sheet`, messages) }, tr('Phiếu kiểm soát (in)', 'Control sheet (print)')),
          h('button.mf-secondary', { type: 'button', id: 'pdf-control-sheet', onclick: () => openPdf(`dossiers/${id}/control-sheet`, messages) }, tr('Phiếu kiểm soát (PDF)', 'Control sheet (PDF)'))),
        h('p.mf-help', tr('Mã tra cứu công khai được in trên giấy tiếp nhận lúc tiếp nhận (chỉ hiện một lần).',
          'The public lookup code is printed on the receipt at reception (shown once).'))),
      h('div.mf-card', h('h2', tr('Bước hiện tại', 'Current steps')), table([
        [tr('Bước', 'Step'), (s) => h('a', { href: `#/tasks/${s.id}` }, s.name)],
        [tr('Đơn vị', 'Unit'), (s) => (s.unit ? s.unit.name : '')],
        [tr('Hạn', 'Due'), (s) => dueCell(s, offset)],
        [tr('Trạng thái', 'Status'), (s) => stepStatus(s.status)],
      ], d.current_steps || []))),
    h('h2', tr('Thành phần hồ sơ', 'Documents')),
    documents,
    h('h2', tr('Phiếu của bộ phận một cửa', 'One-stop desk forms')),
    desk,
    h('h2', tr('Sơ đồ', 'Diagram')),
    h('p.mf-legend', h('span.l-done', tr('■ đã xong', '■ done')), h('span.l-current', tr('■ đang xử lý', '■ current')), h('span.l-late', tr('▢ quá hạn', '▢ overdue'))),
    dia,
    h('h2', tr('Phiếu kiểm soát quá trình giải quyết hồ sơ', 'Control sheet')),
    sheet ? table([
      [tr('Bước', 'Step'), (r) => r.step_name || r.step || ''],
      [tr('Bên giao', 'From'), (r) => [r.from_unit, r.from_officer].filter(Boolean).join(' — ')],
      [tr('Bên nhận', 'To'), (r) => [r.to_unit, r.to_officer].filter(Boolean).join(' — ')],
      [tr('Giao lúc', 'Given'), (r) => time(r.given_at)], [tr('Nhận lúc', 'Received'), (r) => time(r.received_at)],
      [tr('Hạn', 'Due'), (r) => time(r.due_at)], [tr('Kết quả', 'Result'), (r) => r.result || ''], [tr('Ghi chú', 'Note'), (r) => r.note || ''],
    ], sheet.rows || []) : null,
    h('h2', tr('Các bước đã qua', 'Past steps')),
    table([[tr('Bước', 'Step'), (s) => s.name], [tr('Xong lúc', 'Completed'), (s) => time(s.completed_at)],
      [tr('Người xử lý', 'By'), (s) => (s.completed_by ? s.completed_by.full_name : '')], [tr('Kết quả', 'Result'), (s) => s.result || s.status]], d.past_steps || []));
  const viewer = await diagram(dia, d.procedure_key, d.version);
  if (!viewer || !render.live()) return;
  const canvas = viewer.get('canvas');
  const registry = viewer.get('elementRegistry');
  const mark = (specId, cls) => { if (registry.get(specId)) canvas.addMarker(specId, cls); };
  allSteps.forEach((s) => {
    if (s.status === 'completed') mark(s.spec_id, 'mf-done');
    if (['ready', 'claimed'].includes(s.status)) mark(s.spec_id, 'mf-current');
    if (dueMark(s, offset) === 'overdue') mark(s.spec_id, 'mf-late');
  });
}
