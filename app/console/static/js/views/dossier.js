// A dossier: its documents, the desk's forms (Mẫu 02, 04, 05), the notices to its applicant, its diagram with finished, current and overdue steps, the control sheet, the receipt.
import { api, apiAll, clockOffset, hasRole } from '../api.js';
import { tr } from '../i18n.js';
import { diagram } from './designer.js';
import { deskSection } from './desk.js';
import { attachPoint, documentsSection } from './documents.js';
import { channelName, dueCell, dueMark, openHtml, openPdf, stepStatus } from './officer.js';
import { h, input, loading, page, select, showProblem, table, time } from '../ui.js';

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

/** The events the applicant is told of (app/applicant_notices/events.py), in the console's language. */
export const NOTICE_EVENTS = {
  received: ['Tiếp nhận hồ sơ', 'Dossier received'], supplement_requested: ['Yêu cầu bổ sung hồ sơ', 'Supplement requested'],
  extended: ['Xin lỗi và hẹn lại ngày trả kết quả', 'Apology and new date'], result_ready: ['Đã có kết quả', 'Result ready'],
  returned: ['Đã trả kết quả', 'Result returned'], refused: ['Từ chối tiếp nhận hồ sơ', 'Refused at reception'],
  stopped: ['Dừng xử lý hồ sơ', 'Processing stopped'], withdrawn: ['Rút hồ sơ', 'Withdrawn'],
  transferred: ['Chuyển hồ sơ đến cơ quan có thẩm quyền', 'Transferred to the competent agency'],
};
const NOTICE_STATUS = { pending: ['Đang chờ gửi', 'Waiting to be sent'], sent: ['Đã gửi', 'Sent'], failed: ['Gửi lỗi', 'Failed'],
  skipped: ['Không gửi (người nộp đã dừng nhận)', 'Not sent (the applicant opted out)'] };
const said = (names, key) => tr(...(names[key] || [key, key]));

/** What the applicant was told and whether it arrived; a failed notice can be sent again by a leader or an admin. */
function applicantNotices(dossierId) {
  const messages = h('div');
  const content = h('div', loading());
  const box = h('section.mf-card', { id: 'applicant-notices' }, h('h2', tr('Thông báo cho người nộp', 'Notices to the applicant')), messages, content);
  const when = (n) => {
    if (n.status === 'sent') return time(n.sent_at);
    if (n.delivery && n.delivery.next_attempt_at) return [tr('Gửi lại lúc ', 'Next try '), time(n.delivery.next_attempt_at)];
    return time(n.created_at);
  };
  const retry = (n) => h('button.mf-secondary', { type: 'button', dataset: { retryNotice: n.id }, onclick: async () => {
    try { await api(`applicant-notices/${n.id}/retry`, { method: 'POST' }); messages.replaceChildren(); await refresh(); } catch (e) { if (e.status !== 401) showProblem(messages, e); }
  } }, tr('Gửi lại', 'Send again'));
  const mayRetry = hasRole('leader', 'admin');
  async function refresh() {
    try {
      const notices = await api(`dossiers/${dossierId}/applicant-notices`);
      content.replaceChildren(table([
        [tr('Sự kiện', 'Event'), (n) => said(NOTICE_EVENTS, n.event)],
        [tr('Kênh', 'Channel'), (n) => channelName(n.channel)],
        [tr('Người nhận', 'Recipient'), (n) => n.recipient],
        [tr('Trạng thái', 'Status'), (n) => h(`span.mf-delivery-${n.status}`, { dataset: { noticeStatus: n.status } }, said(NOTICE_STATUS, n.status))],
        [tr('Thời điểm', 'When'), when],
        [tr('Lỗi gần nhất', 'Last error'), (n) => {
          // while it is being retried the delivery (its due work) holds the error and the attempts so far
          const error = n.last_error || (n.delivery && n.delivery.last_error);
          const attempts = n.delivery ? n.delivery.attempts : n.attempts;
          return error ? `${error} (${tr(`${attempts} lần thử`, `${attempts} attempt(s)`)})` : '';
        }],
        ['', (n) => (n.status === 'failed' && mayRetry ? retry(n) : '')],
      ], notices, { empty: tr('Chưa có thông báo nào.', 'No notice yet.') }));
    } catch (e) {
      if (e.status === 401 || e.stale) return;
      content.replaceChildren();
      showProblem(content, e);
    }
  }
  refresh();
  return box;
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
        [tr('Đơn vị', 'Unit'), (s) => (s.kind === 'external' ? tr(`Hệ thống (${s.topic})`, `System (${s.topic})`)
          : (s.unit ? s.unit.name : ''))],
        [tr('Hạn', 'Due'), (s) => dueCell(s, offset)],
        [tr('Trạng thái', 'Status'), (s) => stepStatus(s.status)],
      ], d.current_steps || []))),
    h('h2', tr('Thành phần hồ sơ', 'Documents')),
    documents,
    h('h2', tr('Phiếu của bộ phận một cửa', 'One-stop desk forms')),
    desk,
    applicantNotices(id),
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
