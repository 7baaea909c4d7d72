// Leaders: the report (from app/reports when the API has it), the tracking book, the applicants' satisfaction and the overdue steps of their units.
import { api, apiAll, clockOffset, hasPath, officer } from '../api.js';
import { lang, tr } from '../i18n.js';
import { dueCell, openHtml } from './officer.js';
import { clearProblems, h, loading, page, select, showProblem, table } from '../ui.js';

/** Render any JSON (the reports API may grow): objects as key/value tables, lists of objects as tables. */
function generic(value) {
  if (Array.isArray(value)) {
    if (!value.length) return h('p.mf-help', tr('Không có dữ liệu.', 'Nothing here.'));
    if (typeof value[0] !== 'object' || value[0] === null) return h('span', value.join(', '));
    const keys = [...new Set(value.flatMap((v) => Object.keys(v)))];
    return table(keys.map((k) => [k, (row) => (typeof row[k] === 'object' && row[k] !== null ? generic(row[k]) : String(row[k] ?? ''))]), value);
  }
  if (value && typeof value === 'object') {
    return h('table', h('tbody', Object.entries(value).map(([k, v]) => h('tr', h('th', k), h('td', typeof v === 'object' && v !== null ? generic(v) : String(v ?? ''))))));
  }
  return h('span', String(value ?? ''));
}

// the local calendar day (toISOString alone is UTC: before 07:00 in Vietnam it names the day before)
const iso = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);

/** Save a file the API answered (fetched with the token, so not a plain link). */
async function download(res, name) {
  const url = URL.createObjectURL(await res.blob());
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

/** Form 07 (sổ theo dõi hồ sơ) for a period: the printable page, the spreadsheet or the PDF. */
function trackingBook(messages) {
  const today = new Date();
  const first = h('input', { type: 'date', name: 'from', value: iso(new Date(today.getFullYear(), today.getMonth(), 1)) });
  const last = h('input', { type: 'date', name: 'to', value: iso(today) });
  const open = async (format) => {
    const win = format === 'xlsx' ? null : window.open('', '_blank');
    try {
      const res = await api('reports/tracking-book', { query: { from: first.value, to: last.value, format }, raw: true });
      const types = { html: 'text/html', pdf: 'application/pdf', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' };
      const url = URL.createObjectURL(new Blob([await res.blob()], { type: types[format] }));
      if (win) win.location = url;
      else { const a = h('a', { href: url, download: `so-theo-doi-ho-so_${first.value}_${last.value}.xlsx`, hidden: true }); document.body.append(a); a.click(); a.remove(); }
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) {
      if (win) win.close();
      if (e.status !== 401) showProblem(messages, e);
    }
  };
  const button = (format, label) => h('button.mf-secondary', { type: 'button', dataset: { book: format }, onclick: () => open(format) }, label);
  return h('section.mf-card', { id: 'tracking-book' }, h('h2', tr('Sổ theo dõi hồ sơ (Mẫu 07)', 'Tracking book (form 07)')),
    h('div.mf-actions', h('label', tr('Từ ngày ', 'From '), first), h('label', tr(' đến ngày ', ' to '), last),
      button('html', tr('Xem, in', 'View, print')), button('xlsx', 'XLSX'), button('pdf', 'PDF')));
}

const GROUPS = [['unit', ['Đơn vị', 'Unit']], ['procedure', ['Thủ tục', 'Procedure']], ['agency', ['Cơ quan', 'Agency']], ['month', ['Tháng', 'Month']]];
// the criteria in the order of app/satisfaction/criteria.py (the API's JSON sorts its keys), their English for the toggle
const CRITERIA_EN = { access: 'Information on the procedure', papers: 'Papers asked for', officers: 'Officers',
  timeliness: 'Time taken', result: 'Result' };
const inOrder = (criteria) => [...Object.keys(CRITERIA_EN).filter((k) => k in criteria), ...Object.keys(criteria).filter((k) => !(k in CRITERIA_EN))];

/**
 * The applicants' ratings (mức độ hài lòng) for a period, by unit, procedure, agency or month: count, mean per
 * criterion and overall (1–5), satisfied rate, low ratings, and the total; the same report as a spreadsheet.
 * `today`: the service's day (it may run on another clock than the browser).
 */
function satisfactionSection(today) {
  const first = h('input', { type: 'date', name: 'from', value: iso(new Date(today.getFullYear(), 0, 1)) });
  const last = h('input', { type: 'date', name: 'to', value: iso(today) });
  const groupBy = select('group_by', GROUPS.map(([value, names]) => [value, tr(...names)]));
  const result = h('div', { id: 'satisfaction-table' });
  const box = h('section.mf-card', { id: 'satisfaction' }, h('h2', tr('Mức độ hài lòng', 'Satisfaction')));
  const query = (format) => ({ from: first.value, to: last.value, group_by: groupBy.value, format });
  const locale = lang() === 'en' ? 'en-GB' : 'vi-VN';
  const number = (v) => (v === null || v === undefined ? '—' : v.toLocaleString(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
  const percent = (v) => (v === null || v === undefined ? '—' : v.toLocaleString(locale, { style: 'percent', maximumFractionDigits: 1 }));
  const show = async () => {
    clearProblems(box);
    try {
      const report = await api('reports/satisfaction', { query: query('json') });
      if (!report.total.ratings) {
        result.replaceChildren(h('p.mf-help', tr('Chưa có đánh giá nào trong kỳ.', 'No rating in the period.')));
        return;
      }
      const heading = GROUPS.find(([value]) => value === report.group_by);
      const shown = table([
        // a month's key is "2026-03": shown as 03/2026
        [heading ? tr(...heading[1]) : tr('Tên', 'Name'), (r) => (report.group_by === 'month' && /^\d{4}-\d{2}$/.test(r.label || '')
          ? r.label.split('-').reverse().join('/') : r.label)],
        [tr('Số lượt đánh giá', 'Ratings'), (r) => String(r.ratings)],
        ...inOrder(report.criteria).map((key) => [tr(report.criteria[key], CRITERIA_EN[key]), (r) => number(r.mean[key])]),
        [tr('Điểm trung bình', 'Overall'), (r) => number(r.overall)],
        [tr('Tỷ lệ hài lòng', 'Satisfied'), (r) => percent(r.satisfied_rate)],
        [tr('Số đánh giá chưa hài lòng', 'Low ratings'), (r) => String(r.low)],
      ], [...report.rows, { ...report.total, label: tr('Tổng số', 'Total') }]);
      shown.classList.add('mf-satisfaction');
      shown.querySelector('tbody tr:last-child').classList.add('mf-total');
      result.replaceChildren(shown, h('p.mf-help', tr('Điểm từ 1 (rất không hài lòng) đến 5 (rất hài lòng); hài lòng: điểm trung bình từ 4; chưa hài lòng: có tiêu chí 1 hoặc 2 điểm.',
        'Scores from 1 (very dissatisfied) to 5 (very satisfied); satisfied: a mean of 4 or more; low: a criterion at 1 or 2.'),
      // by unit the rows add up to more than the total: say why
      report.group_by === 'unit' ? tr(' Theo đơn vị: mỗi đánh giá được tính cho mọi đơn vị đã giải quyết hồ sơ.',
        ' By unit: a rating counts for every unit that handled the dossier.') : null));
    } catch (e) {
      if (e.status !== 401 && !e.stale) showProblem(box, e);
    }
  };
  const xlsx = async () => {
    clearProblems(box);
    try {
      const res = await api('reports/satisfaction', { query: query('xlsx'), raw: true });
      await download(res, `muc-do-hai-long_${first.value}_${last.value}.xlsx`);
    } catch (e) {
      if (e.status !== 401 && !e.stale) showProblem(box, e);
    }
  };
  const form = h('form.mf-actions', { id: 'satisfaction-form', onsubmit: (e) => { e.preventDefault(); show(); } },
    h('label', tr('Từ ngày ', 'From '), first), h('label', tr(' đến ngày ', ' to '), last),
    h('label', tr(' theo ', ' by '), groupBy), h('button', { type: 'submit' }, tr('Xem', 'Show')),
    h('button.mf-secondary', { type: 'button', id: 'satisfaction-xlsx', onclick: xlsx }, 'XLSX'));
  box.append(form, result);
  show();
  return box;
}

export async function reportsView() {
  const render = page();
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  render(h('h1', tr('Báo cáo, hồ sơ quá hạn', 'Reports and overdue')), loading());
  const me = officer() || { units: [] };
  const unitCode = params.get('unit') || '';
  const unit = (me.units || []).find((u) => u.code === unitCode);
  const unitId = unit ? String(unit.id) : '';
  const [hasSummary, hasOverdue, offset] = await Promise.all([hasPath('/api/v1/reports/summary', 'get'), hasPath('/api/v1/reports/overdue', 'get'), clockOffset()]);
  const hasReportPage = await fetch('/reports', { method: 'HEAD' }).then((r) => r.status !== 404).catch(() => false);
  const messages = h('div');
  const parts = [h('h1', tr('Báo cáo, hồ sơ quá hạn', 'Reports and overdue')), messages];
  // /reports needs the bearer token: fetched with it and opened as a printable page.
  if (hasReportPage) parts.push(h('p', h('button.mf-secondary', { type: 'button', id: 'reports-page', onclick: () => openHtml('/reports', messages, false) }, tr('Mở trang báo cáo', 'Open the report page'))));

  if (await hasPath('/api/v1/reports/tracking-book', 'get')) parts.push(trackingBook(messages));
  if (await hasPath('/api/v1/reports/satisfaction', 'get')) parts.push(satisfactionSection(new Date(Date.now() + offset)));

  const unitPicker = h('form.mf-actions', { onsubmit: (e) => { e.preventDefault(); location.hash = `#/reports?unit=${new FormData(e.target).get('unit')}`; } },
    select('unit', [['', tr('— mọi đơn vị của tôi —', '— all my units —')], ...(me.units || []).map((u) => [u.code, `${u.code} — ${u.name}`])]),
    h('button', { type: 'submit' }, tr('Lọc', 'Filter')));
  unitPicker.elements.unit.value = unitCode;
  parts.push(unitPicker);

  const section = async (title, id, build) => {
    const box = h('section.mf-card', { id }, h('h2', title));
    try { box.append(await build()); } catch (e) { if (e.status !== 401) showProblem(box, e); }
    return box;
  };
  const query = unitCode ? { unit: unitCode } : {};
  if (hasSummary) {
    parts.push(await section(tr('Tổng hợp', 'Summary'), 'report-summary', async () => generic(await api('reports/summary', { query }))));
  } else {
    parts.push(await section(tr('Tổng hợp (theo danh sách hồ sơ)', 'Summary (from the dossier list)'), 'report-summary', async () => {
      const dossiers = await apiAll('dossiers', unitId ? { unit_id: unitId } : {}, 5);
      const overdue = await apiAll('dossiers', { ...(unitId ? { unit_id: unitId } : {}), overdue: true }, 5);
      const counts = {};
      dossiers.forEach((d) => { counts[d.status] = (counts[d.status] || 0) + 1; });
      return generic({ [tr('Tổng số hồ sơ', 'Dossiers')]: dossiers.length, [tr('Quá hạn', 'Overdue')]: overdue.length, ...counts });
    }));
  }
  if (hasOverdue) {
    parts.push(await section(tr('Hồ sơ quá hạn (báo cáo)', 'Overdue (report)'), 'report-overdue', async () => generic(await api('reports/overdue', { query }))));
  }
  {
    parts.push(await section(tr('Bước quá hạn của đơn vị tôi', "My units' overdue steps"), 'overdue-steps', async () => {
      const steps = await apiAll('tasks', { overdue: true, ...(unitId ? { unit_id: unitId } : {}) }, 5);
      return table([
        [tr('Hồ sơ', 'Dossier'), (s) => h('a', { href: `#/dossiers/${s.dossier_id}` }, s.dossier ? s.dossier.code : s.dossier_id)],
        [tr('Bước', 'Step'), (s) => s.name], [tr('Đơn vị', 'Unit'), (s) => (s.unit ? s.unit.name : '')],
        // the API said these are late (its clock): mark them so whatever the browser's clock says
        [tr('Hạn', 'Due'), (s) => h('span.mf-overdue', { dataset: { mark: 'overdue' } }, dueCell({ ...s, result: 'late' }, offset))], [tr('Người xử lý', 'Assignee'), (s) => (s.assignee ? s.assignee.full_name : '')],
      ], steps, { empty: tr('Không có bước quá hạn.', 'No overdue steps.') });
    }));
  }
  if (await hasPath('/api/v1/external-task', 'get')) parts.push(await section(
    tr('Sự cố tác vụ hệ thống (hết lượt thử lại)', 'System-step incidents (no retries left)'), 'external-incidents',
    async () => externalIncidents()));
  render(...parts);
}

/** External tasks whose worker gave up (retries 0): the error, and new retries once the cause is fixed. */
async function externalIncidents() {
  const box = h('div');
  const messages = h('div');
  const load = async () => {
    const tasks = await api('external-task', { query: { noRetriesLeft: true, maxResults: 200 } });
    box.replaceChildren(messages, table([
      [tr('Hồ sơ', 'Dossier'), (t) => h('a', { href: `#/dossiers/${t.processInstanceId}` }, t.businessKey)],
      [tr('Bước', 'Step'), (t) => t.activityId], [tr('Chủ đề', 'Topic'), (t) => t.topicName],
      [tr('Lỗi', 'Error'), (t) => t.errorMessage || ''],
      ['', (t) => h('button.mf-secondary', { type: 'button', dataset: { retryTask: t.id }, onclick: async () => {
        try {
          await api(`external-task/${t.id}/retries`, { method: 'PUT', body: { retries: 3 } });
          messages.replaceChildren(h('p.mf-ok', { role: 'status' }, tr('Đã cấp 3 lượt thử lại.', 'Given 3 retries.')));
          await load();
        } catch (e) { if (e.status !== 401) showProblem(messages, e); }
      } }, tr('Cấp lượt thử lại', 'Retry'))],
    ], tasks, { empty: tr('Không có sự cố.', 'No incident.') }));
  };
  await load();
  return box;
}
