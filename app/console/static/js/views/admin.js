// Administrators: organisation (agencies, units, officers), calendar overrides, the applicants' notice templates.
import { api, apiAll } from '../api.js';
import { tr } from '../i18n.js';
import { bindDraft, clearProblems, field, h, input, loading, onSubmit, page, select, showProblem, table, time } from '../ui.js';
import { NOTICE_EVENTS } from './dossier.js';
import { channelName } from './officer.js';

const AGENCY_KINDS = ['province', 'department', 'commune', 'service_centre', 'facility', 'office', 'other'];
const UNIT_KINDS = ['division', 'desk', 'leadership', 'records', 'reception', 'other'];
const ROLES = ['admin', 'designer', 'leader', 'officer', 'clerk', 'auditor'];
const CHANNELS = ['email', 'sms', 'zalo'];

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

/**
 * Notice templates (mẫu thông báo cho người nộp): the wording of each event's notice, for every channel or one,
 * every procedure or one. The API checks the placeholders ({ma_ho_so}…) when a template is saved or previewed,
 * naming the wrong one next to its field; the built-in wording applies where nothing is saved.
 */
export async function noticeTemplatesView() {
  const render = page();
  const title = tr('Mẫu thông báo cho người nộp', 'Notice templates');
  render(h('h1', title), loading());
  const [catalog, procedures] = await Promise.all([api('notice-templates'), apiAll('procedures').catch((e) => {
    if (e.status === 401 || e.stale) throw e;
    return [];
  })]);
  // the API names the events in Vietnamese; the console's English for the toggle
  const eventName = Object.fromEntries(catalog.events.map((e) => [e.event, tr(e.name, (NOTICE_EVENTS[e.event] || [])[1])]));
  const procedureName = Object.fromEntries(procedures.map((p) => [p.key, `${p.code || p.key} — ${p.name}`]));
  const messages = h('div');
  const list = h('div', { id: 'notice-templates' });

  const showList = (templates) => {
    const saved = templates.filter((t) => !t.built_in);
    list.replaceChildren(table([
      [tr('Sự kiện', 'Event'), (t) => eventName[t.event] || t.event],
      [tr('Kênh', 'Channel'), (t) => (t.channel ? channelName(t.channel) : tr('mọi kênh', 'every channel'))],
      [tr('Thủ tục', 'Procedure'), (t) => (t.procedure_key ? procedureName[t.procedure_key] || t.procedure_key : tr('mọi thủ tục', 'every procedure'))],
      [tr('Tiêu đề', 'Subject'), (t) => t.subject || ''],
      [tr('Cập nhật', 'Updated'), (t) => time(t.updated_at)],
      ['', (t) => h('button.mf-secondary', { type: 'button', dataset: { deleteTemplate: t.id }, onclick: async () => {
        try { await api(`notice-templates/${t.id}`, { method: 'DELETE' }); await refresh(); } catch (e) { if (e.status !== 401) showProblem(messages, e); }
      } }, tr('Xoá', 'Delete'))],
    ], saved, { empty: tr('Chưa có mẫu nào được lưu: đang dùng mẫu có sẵn.', 'No template saved: the built-in wording applies.') }));
  };
  const refresh = async () => { showList((await api('notice-templates')).templates); };

  const placeholders = h('div.mf-help', { id: 'template-placeholders' });
  const form = h('form.mf-form.mf-card', { id: 'template-form' }, h('h2', tr('Lưu mẫu thông báo', 'Save a template')),
    field(tr('Sự kiện', 'Event'), select('event', catalog.events.map((e) => [e.event, eventName[e.event]])), { required: true }),
    placeholders,
    field(tr('Kênh', 'Channel'), select('channel', [['', tr('— mọi kênh —', '— every channel —')], ...CHANNELS.map((c) => [c, channelName(c)])])),
    field(tr('Thủ tục', 'Procedure'), select('procedure_key', [['', tr('— mọi thủ tục —', '— every procedure —')], ...procedures.map((p) => [p.key, procedureName[p.key]])])),
    field(tr('Tiêu đề (thư điện tử)', 'Subject (e-mail)'), input('subject')),
    field(tr('Nội dung', 'Text'), h('textarea', { name: 'body', rows: 8 }), { required: true,
      help: tr('Văn bản thuần: tin nhắn SMS/Zalo và phần văn bản của thư điện tử.', 'Plain text: the SMS/Zalo message and the e-mail\'s text part.') }),
    field('HTML', h('textarea', { name: 'html', rows: 4 }), { help: tr('Không bắt buộc: phần HTML của thư điện tử (mặc định: nội dung trên).', 'Optional: the e-mail\'s HTML part (default: the text above).') }),
    h('div.mf-actions', h('button', { type: 'submit' }, tr('Lưu mẫu', 'Save')),
      h('button.mf-secondary', { type: 'button', id: 'template-built-in' }, tr('Lấy nội dung có sẵn', 'Start from the built-in wording')),
      h('button.mf-secondary', { type: 'button', id: 'template-preview' }, tr('Xem thử', 'Preview'))));
  const preview = h('div', { id: 'template-preview-result' });
  const els = form.elements;
  // the placeholders the chosen event may use ({ma_ho_so} — mã hồ sơ …)
  const showPlaceholders = () => {
    const chosen = catalog.events.find((e) => e.event === els.event.value);
    placeholders.replaceChildren(tr('Chỗ điền được dùng: ', 'Placeholders: '),
      ...Object.entries(chosen ? chosen.placeholders : {}).flatMap(([name, about], i) => [i ? ', ' : '', h('code', `{${name}}`), ` (${about})`]));
  };
  els.event.addEventListener('change', showPlaceholders);
  const draft = bindDraft(form, 'notice-template');
  showPlaceholders();
  const body = () => {
    const out = { event: els.event.value, body: els.body.value };
    ['channel', 'procedure_key', 'subject', 'html'].forEach((k) => { if (els[k].value.trim()) out[k] = els[k].value; });
    return out;
  };
  form.querySelector('#template-built-in').addEventListener('click', () => {
    const built = catalog.templates.find((t) => t.built_in && t.event === els.event.value && t.channel === (els.channel.value || 'email'));
    if (built) { els.subject.value = built.subject || ''; els.body.value = built.body; draft.save(); }
  });
  form.querySelector('#template-preview').addEventListener('click', async () => {
    clearProblems(form);
    preview.replaceChildren();
    try {
      const filled = await api('notice-templates/preview', { method: 'POST', body: body() });
      preview.replaceChildren(h('div.mf-card.mf-preview', h('h3', tr('Xem thử (dữ liệu mẫu)', 'Preview (sample data)')),
        filled.subject ? h('div', h('strong', tr('Tiêu đề: ', 'Subject: ')), h('span', { id: 'preview-subject' }, filled.subject)) : null,
        h('pre', { id: 'preview-body' }, filled.body)));
    } catch (e) { if (e.status !== 401 && !e.stale) showProblem(form, e); }
  });
  onSubmit(form, async () => {
    await api('notice-templates', { method: 'POST', body: body() });
    draft.clear();
    await refresh();
    return tr('Đã lưu mẫu thông báo.', 'Template saved.');
  });
  showList(catalog.templates);
  render(h('h1', title), messages, h('h2', tr('Mẫu đã lưu', 'Saved templates')), list, h('div.mf-grid', form, preview));
}
