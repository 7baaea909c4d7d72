// Leaders: the report (from app/reports when the API has it) and the overdue steps of their units.
import { api, apiAll, clockOffset, hasPath, officer } from '../api.js';
import { tr } from '../i18n.js';
import { dueCell, openHtml } from './officer.js';
import { h, loading, page, select, showProblem, table } from '../ui.js';

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

/** Form 07 (sổ theo dõi hồ sơ) for a period: the printable page, the spreadsheet or the PDF. */
function trackingBook(messages) {
  const today = new Date();
  // the local calendar day (toISOString alone is UTC: before 07:00 in Vietnam it names the day before)
  const iso = (d) => new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
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
  render(...parts);
}
