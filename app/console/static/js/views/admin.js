// Administrators: organisation (agencies, units, officers) and calendar overrides.
import { api, apiAll } from '../api.js';
import { tr } from '../i18n.js';
import { bindDraft, field, h, input, loading, onSubmit, page, select, table } from '../ui.js';

const AGENCY_KINDS = ['province', 'department', 'commune', 'service_centre', 'facility', 'office', 'other'];
const UNIT_KINDS = ['division', 'desk', 'leadership', 'records', 'reception', 'other'];
const ROLES = ['admin', 'designer', 'leader', 'officer', 'clerk', 'auditor'];

export async function orgView() {
  const render = page();
  render(h('h1', tr('Tổ chức', 'Organisation')), loading());
  const [agencies, units, officers] = await Promise.all([apiAll('agencies'), apiAll('units'), apiAll('officers')]);
  const agencyName = Object.fromEntries(agencies.map((a) => [a.id, a.code]));
  const agencyOptions = agencies.map((a) => [String(a.id), `${a.code} — ${a.name}`]);

  const agencyForm = h('form.mf-form.mf-card', { id: 'agency-form' }, h('h2', tr('Thêm cơ quan', 'New agency')),
    field(tr('Mã', 'Code'), input('code'), { required: true }), field(tr('Tên', 'Name'), input('name'), { required: true }),
    field(tr('Loại', 'Kind'), select('kind', AGENCY_KINDS.map((k) => [k, k]))),
    field(tr('Cơ quan cấp trên', 'Parent'), select('parent_id', [['', '—'], ...agencyOptions])),
    h('div.mf-actions', h('button', { type: 'submit' }, tr('Thêm', 'Create'))));
  const agencyDraft = bindDraft(agencyForm, 'agency');
  onSubmit(agencyForm, async (d) => {
    await api('agencies', { method: 'POST', body: { code: d.get('code'), name: d.get('name'), kind: d.get('kind'), parent_id: d.get('parent_id') ? Number(d.get('parent_id')) : null } });
    agencyDraft.clear(); if (render.live()) await orgView();
  });
  const unitForm = h('form.mf-form.mf-card', { id: 'unit-form' }, h('h2', tr('Thêm đơn vị', 'New unit')),
    field(tr('Mã', 'Code'), input('code'), { required: true }), field(tr('Tên', 'Name'), input('name'), { required: true }),
    field(tr('Loại', 'Kind'), select('kind', UNIT_KINDS.map((k) => [k, k]))),
    field(tr('Cơ quan', 'Agency'), select('agency_id', [['', '—'], ...agencyOptions]), { required: true }),
    h('div.mf-actions', h('button', { type: 'submit' }, tr('Thêm', 'Create'))));
  const unitDraft = bindDraft(unitForm, 'unit');
  onSubmit(unitForm, async (d) => {
    await api('units', { method: 'POST', body: { code: d.get('code'), name: d.get('name'), kind: d.get('kind'), agency_id: d.get('agency_id') ? Number(d.get('agency_id')) : undefined } });
    unitDraft.clear(); if (render.live()) await orgView();
  });
  const officerForm = h('form.mf-form.mf-card', { id: 'officer-form' }, h('h2', tr('Thêm cán bộ', 'New officer')),
    field(tr('Tên đăng nhập', 'Username'), input('username'), { required: true }),
    field(tr('Họ và tên', 'Full name'), input('full_name'), { required: true }),
    field('Email', input('email', { type: 'email' })),
    field(tr('Mật khẩu', 'Password'), input('password', { type: 'password', autocomplete: 'new-password' }), { required: true }),
    field(tr('Đơn vị', 'Units'), select('unit_ids', units.map((u) => [String(u.id), `${u.code} — ${u.name}`]), { multiple: true, size: 5 })),
    h('div.mf-field', { dataset: { field: 'roles' } }, h('label', tr('Vai trò', 'Roles')),
      h('div.mf-actions', ROLES.map((r) => h('label', h('input', { type: 'checkbox', name: `role:${r}`, checked: r === 'officer' }), ` ${r}`)))),
    h('div.mf-actions', h('button', { type: 'submit' }, tr('Thêm', 'Create'))));
  const officerDraft = bindDraft(officerForm, 'officer');
  onSubmit(officerForm, async (d) => {
    await api('officers', { method: 'POST', body: {
      username: d.get('username'), full_name: d.get('full_name'), email: d.get('email') || null, password: d.get('password'),
      unit_ids: d.getAll('unit_ids').map(Number), roles: ROLES.filter((r) => d.get(`role:${r}`)) } });
    officerDraft.clear(); if (render.live()) await orgView();
  });

  render(h('h1', tr('Tổ chức', 'Organisation')),
    h('div.mf-grid', agencyForm, unitForm, officerForm),
    h('h2', tr('Cơ quan', 'Agencies')),
    table([[tr('Mã', 'Code'), (a) => a.code], [tr('Tên', 'Name'), (a) => a.name], [tr('Loại', 'Kind'), (a) => a.kind], [tr('Cấp trên', 'Parent'), (a) => agencyName[a.parent_id] || '']], agencies),
    h('h2', tr('Đơn vị', 'Units')),
    table([[tr('Mã', 'Code'), (u) => u.code], [tr('Tên', 'Name'), (u) => u.name], [tr('Loại', 'Kind'), (u) => u.kind], [tr('Cơ quan', 'Agency'), (u) => agencyName[u.agency_id] || '']], units),
    h('h2', tr('Cán bộ', 'Officers')),
    table([[tr('Tên đăng nhập', 'Username'), (o) => o.username], [tr('Họ và tên', 'Full name'), (o) => o.full_name],
      [tr('Vai trò', 'Roles'), (o) => (o.roles || []).join(', ')], [tr('Đơn vị', 'Units'), (o) => (o.units || []).map((u) => u.code).join(', ')],
      [tr('Hoạt động', 'Active'), (o) => (o.is_active ? '✓' : '✗')]], officers));
}

export async function calendarView() {
  const render = page();
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  render(h('h1', tr('Lịch làm việc', 'Working calendar')), loading());
  const agencies = await apiAll('agencies');
  const agencyId = Number(params.get('agency') || (agencies[0] && agencies[0].id));
  const year = Number(params.get('year') || new Date().getFullYear());
  const [overrides, days] = await Promise.all([
    api(`agencies/${agencyId}/calendar/overrides`, { query: { year } }),
    api('calendar/days', { query: { agency: agencyId, year } }),
  ]);
  const picker = h('form.mf-actions', { id: 'calendar-picker', onsubmit: (e) => { e.preventDefault(); const d = new FormData(e.target); location.hash = `#/calendar?agency=${d.get('agency')}&year=${d.get('year')}`; } },
    select('agency', agencies.map((a) => [String(a.id), `${a.code} — ${a.name}`])), input('year', { type: 'number', value: String(year) }),
    h('button', { type: 'submit' }, tr('Xem', 'Show')));
  picker.elements.agency.value = String(agencyId);
  const form = h('form.mf-form.mf-card', { id: 'override-form' }, h('h2', tr('Thêm ngày điều chỉnh', 'New override')),
    field(tr('Ngày', 'Day'), input('day', { type: 'date' })),
    field(tr('Từ ngày', 'From'), input('day_from', { type: 'date' })), field(tr('Đến ngày', 'To'), input('day_to', { type: 'date' })),
    field(tr('Loại', 'Kind'), select('kind', [['day_off', tr('Ngày nghỉ', 'Day off')], ['working_day', tr('Ngày làm bù', 'Working day')]]), { required: true }),
    field(tr('Quyết định', 'Decision'), input('decision'), { required: true }), field(tr('Ghi chú', 'Note'), input('note')),
    h('div.mf-actions', h('button', { type: 'submit' }, tr('Thêm', 'Create'))));
  const draft = bindDraft(form, `override:${agencyId}`);
  onSubmit(form, async (d) => {
    const body = { kind: d.get('kind'), decision: d.get('decision'), note: d.get('note') || null };
    ['day', 'day_from', 'day_to'].forEach((k) => { if (d.get(k)) body[k] = d.get(k); });
    await api(`agencies/${agencyId}/calendar/overrides`, { method: 'POST', body });
    draft.clear(); if (render.live()) await calendarView();
  });
  const remove = (o) => h('button.mf-secondary', { type: 'button', onclick: async () => { await api(`agencies/${agencyId}/calendar/overrides/${o.id}`, { method: 'DELETE' }); if (render.live()) await calendarView(); } }, tr('Xoá', 'Delete'));
  render(h('h1', tr('Lịch làm việc', 'Working calendar')), picker, form,
    h('h2', tr('Điều chỉnh của cơ quan', "The agency's overrides")),
    table([[tr('Ngày', 'Day'), (o) => o.day], [tr('Loại', 'Kind'), (o) => o.kind], [tr('Quyết định', 'Decision'), (o) => o.decision], [tr('Ghi chú', 'Note'), (o) => o.note || ''], ['', remove]], overrides),
    h('h2', tr('Ngày nghỉ trong năm', 'Days off in the year')),
    table([[tr('Ngày', 'Day'), (d) => d.day], [tr('Tên', 'Name'), (d) => d.name || d.decision || ''], [tr('Nguồn', 'Source'), (d) => d.source]], days.days_off || []),
    h('h2', tr('Ngày làm bù', 'Extra working days')),
    table([[tr('Ngày', 'Day'), (d) => d.day], [tr('Tên', 'Name'), (d) => d.name || d.decision || ''], [tr('Nguồn', 'Source'), (d) => d.source]], days.extra_working_days || []));
}
