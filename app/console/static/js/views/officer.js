// Officers and clerks: inbox, a step with its generated form, reception, notifications.
import { api, apiAll, clockOffset, hasRole, officer, openapi } from '../api.js';
import { tr } from '../i18n.js';
import { resolveRef, schemaFields } from '../jsonform.js';
import { badge, bindDraft, clearProblems, field, h, input, loading, onSubmit, page, select, showOk, showProblem, table, time } from '../ui.js';
import { acceptOf, copiesText, documentsSection, filePicker, kindsText, producesOf } from './documents.js';

const DUE_SOON_MS = 4 * 3600 * 1000;

/** 'overdue' | 'due-soon' | '' for a step, on the server's clock. */
export function dueMark(step, offset) {
  if (step.result === 'late') return 'overdue';
  const server = step.deadline && step.deadline.status; // app/deadlines answers on its own clock
  if (server === 'overdue') return 'overdue';
  if (server === 'due_soon') return 'due-soon';
  if (server === 'on_track' || server === 'paused') return '';
  if (!step.due_at || !['ready', 'claimed'].includes(step.status)) return '';
  const left = new Date(step.due_at).getTime() - (Date.now() + offset);
  if (left < 0) return 'overdue';
  return left < DUE_SOON_MS ? 'due-soon' : '';
}

export function dueCell(step, offset) {
  const mark = dueMark(step, offset);
  return h('span', { class: mark ? `mf-${mark}` : null, dataset: { mark } }, time(step.due_at),
    mark === 'overdue' ? [' ', badge(tr('Quá hạn', 'Overdue'))] : mark === 'due-soon' ? [' ', badge(tr('Sắp đến hạn', 'Due soon'))] : null);
}

const STEP_STATUS = { ready: ['Chờ nhận', 'Waiting'], claimed: ['Đang xử lý', 'In progress'], completed: ['Đã xong', 'Done'], cancelled: ['Đã huỷ', 'Cancelled'] };
export const stepStatus = (s) => tr(...(STEP_STATUS[s] || [s, s]));

export async function inboxView() {
  const render = page();
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  render(h('h1', tr('Việc cần xử lý', 'Inbox')), loading());
  const query = { status: params.get('status') || undefined, mine: params.get('mine') || undefined };
  const [steps, offset] = await Promise.all([apiAll('tasks', query), clockOffset()]);
  const open = params.get('status') ? steps : steps.filter((s) => ['ready', 'claimed'].includes(s.status));
  const messages = h('div');
  const claim = (s) => h('button', { type: 'button', dataset: { claim: s.id }, onclick: async () => {
    try { await api(`tasks/${s.id}/claim`, { method: 'POST' }); location.hash = `#/tasks/${s.id}`; } catch (e) { if (e.status !== 401) showProblem(messages, e); }
  } }, tr('Nhận xử lý', 'Claim'));
  render(h('h1', tr('Việc cần xử lý', 'Inbox')), messages,
    h('div.mf-actions', h('a', { href: '#/inbox' }, tr('Đang mở', 'Open')), h('a', { href: '#/inbox?mine=true' }, tr('Của tôi', 'Mine')),
      h('a', { href: '#/inbox?status=completed' }, tr('Đã xong', 'Done'))),
    h('div', { id: 'inbox' }, table([
      [tr('Hạn xử lý', 'Due'), (s) => dueCell(s, offset)],
      [tr('Hồ sơ', 'Dossier'), (s) => h('a', { href: `#/dossiers/${s.dossier_id}` }, s.dossier ? s.dossier.code : s.dossier_id)],
      [tr('Bước', 'Step'), (s) => h('a', { href: `#/tasks/${s.id}`, dataset: { task: s.id } }, s.name)],
      [tr('Đơn vị', 'Unit'), (s) => (s.unit ? s.unit.name : '')],
      [tr('Người xử lý', 'Assignee'), (s) => (s.assignee ? s.assignee.full_name : '')],
      [tr('Trạng thái', 'Status'), (s) => stepStatus(s.status)],
      ['', (s) => (s.status === 'ready' && hasRole('officer', 'leader', 'clerk') ? claim(s) : '')],
    ], open, { empty: tr('Không có việc nào.', 'Nothing to do.') })));
}

/** Buttons for actions another part of the API may offer (pause, resume, extension): shown only when present. */
async function optionalActions(step, messages) {
  const doc = await openapi();
  const found = [];
  for (const [path, ops] of Object.entries(doc.paths || {})) {
    const m = path.match(/^\/api\/v1\/(dossiers\/\{dossier_id\}|tasks\/\{step_id\})\/(pause|resume|extensions?|extend)$/);
    if (!m || !ops.post) continue;
    found.push({ path, kind: m[2], on: m[1].startsWith('dossiers') ? 'dossier' : 'task', op: ops.post });
  }
  const LABELS = { pause: ['Tạm dừng', 'Pause'], resume: ['Tiếp tục', 'Resume'], extension: ['Gia hạn', 'Extend'], extensions: ['Gia hạn', 'Extend'], extend: ['Gia hạn', 'Extend'] };
  return found.map(({ path, kind, on, op }) => {
    const url = path.replace('{dossier_id}', step.dossier_id).replace('{step_id}', step.id);
    const content = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
    const schema = content ? resolveRef(doc, content.schema) : null;
    const { fields, read } = schemaFields(schema || {});
    const form = h('form.mf-form.mf-card', { dataset: { action: kind, on } }, h('h2', tr(...LABELS[kind])), fields,
      h('div.mf-actions', h('button', { type: 'submit' }, tr(...LABELS[kind]))));
    onSubmit(form, async () => { await api(url, { method: 'POST', body: read(form) }); return tr('Đã thực hiện.', 'Done.'); });
    return form;
  });
}

/** A leader gives the step to an officer of its unit (phân công); the API checks who may and to whom. */
async function assignForm(step, reload) {
  const officers = await apiAll('officers', { unit_id: step.unit.id }).catch(() => []);
  const form = h('form.mf-form.mf-card', { id: 'assign-form' }, h('h2', tr('Phân công xử lý', 'Assign')),
    field(tr('Cán bộ xử lý', 'Officer'), select('assignee_id', [['', tr('— chọn cán bộ —', '— choose an officer —')],
      ...officers.filter((o) => o.is_active).map((o) => [String(o.id), `${o.full_name} (${o.username})`])]), { required: true, name: 'assignee_id' }),
    h('div.mf-actions', h('button', { type: 'submit', id: 'assign' }, tr('Phân công', 'Assign'))));
  form.elements.assignee_id.value = step.assignee ? String(step.assignee.id) : '';
  onSubmit(form, async (d) => {
    const chosen = d.get('assignee_id');
    await api(`tasks/${step.id}/assign`, { method: 'POST', body: chosen ? { assignee_id: Number(chosen) } : {} });
    await reload();
  });
  return form;
}

export async function taskView(id) {
  const render = page();
  render(h('h1', tr('Bước xử lý', 'Step')), loading());
  const [step, offset] = await Promise.all([api(`tasks/${id}`), clockOffset()]);
  // the dossier (its status, steps, checklist) and the component the step must attach (the catalog's `produces`)
  const [dossier, produces] = await Promise.all([
    api(`dossiers/${step.dossier_id}`).catch((e) => { if (e.status === 401 || e.stale) throw e; return null; }),
    producesOf(step)]);
  const messages = h('div', { id: 'task-messages' });
  const reload = async () => { if (render.live()) await taskView(id); };
  const open = ['ready', 'claimed'].includes(step.status);
  const parts = [
    h('h1', step.name),
    h('div.mf-card',
      h('div', tr('Hồ sơ: ', 'Dossier: '), h('a', { href: `#/dossiers/${step.dossier_id}` }, step.dossier.code), ` — ${step.dossier.applicant && step.dossier.applicant.name ? step.dossier.applicant.name : ''}`),
      h('div', tr('Đơn vị: ', 'Unit: '), step.unit ? step.unit.name : ''),
      h('div', tr('Hạn xử lý: ', 'Due: '), dueCell(step, offset)),
      h('div', tr('Trạng thái: ', 'Status: '), stepStatus(step.status), step.assignee ? ` — ${step.assignee.full_name}` : '')),
    messages,
  ];
  if (step.status === 'ready') {
    parts.push(h('div.mf-actions', h('button', { type: 'button', id: 'claim', onclick: async () => {
      try { await api(`tasks/${id}/claim`, { method: 'POST' }); await reload(); } catch (e) { if (e.status !== 401) showProblem(messages, e); }
    } }, tr('Nhận xử lý', 'Claim'))));
  }
  if (open && step.unit && hasRole('leader')) parts.push(await assignForm(step, reload));
  // a step someone else took is theirs to complete (the API answers step_claimed): say who, offer no forms
  const me = officer();
  const takenByOther = step.status === 'claimed' && step.assignee && (!me || step.assignee.id !== me.id);
  const mayAttach = open && !takenByOther && hasRole('officer', 'leader', 'clerk');
  parts.push(h('h2', tr('Thành phần hồ sơ', 'Documents')),
    documentsSection(dossier || { id: step.dossier_id, status: step.dossier.status, current_steps: [step] },
      { stepId: step.id, canUpload: mayAttach, canDelete: mayAttach, produces, id: 'task-documents' }));
  if (takenByOther) {
    parts.push(h('p.mf-help', { id: 'claimed-by-other' },
      tr(`Bước này đang do ${step.assignee.full_name} xử lý.`, `${step.assignee.full_name} is working on this step.`)));
    if (hasRole('leader')) {
      parts.push(h('div.mf-actions', h('button.mf-secondary', { type: 'button', id: 'unclaim', onclick: async () => {
        try { await api(`tasks/${id}/unclaim`, { method: 'POST' }); await reload(); } catch (e) { if (e.status !== 401) showProblem(messages, e); }
      } }, tr('Trả bước về hàng chờ', 'Release the step'))));
    }
    parts.push(...(await optionalActions(step, messages)));
  } else if (open) {
    const schema = step.form_schema || { type: 'object', properties: {} };
    const { fields, read } = schemaFields(schema);
    const form = h('form.mf-form.mf-card', { id: 'complete-form' },
      h('h2', schema.title || tr('Hoàn thành bước', 'Complete the step')), schema.description ? h('p.mf-help', schema.description) : null,
      fields, h('div.mf-actions', h('button', { type: 'submit', id: 'complete' }, tr('Hoàn thành, chuyển bước', 'Complete'))));
    const draft = bindDraft(form, `task:${id}`);
    onSubmit(form, async () => {
      try {
        await api(`tasks/${id}/complete`, { method: 'POST', body: { data: read(form) } });
      } catch (error) {
        const problem = error && error.problem;
        if (problem && ['document_missing', 'signature_required'].includes(problem.code)) {
          error.problem = { ...problem, errors: undefined }; // the detail names the paper; `produces` is a key
          const card = document.getElementById('step-produces');
          if (card) { card.classList.add('mf-attention'); card.scrollIntoView({ block: 'nearest' }); }
        }
        throw error;
      }
      draft.clear();
      render(h('h1', step.name), h('div.mf-ok', { id: 'task-done', role: 'status' }, tr('Đã hoàn thành bước. ', 'Step completed. '),
        h('a', { href: '#/inbox' }, tr('Về danh sách việc', 'Back to the inbox')), ' · ', h('a', { href: `#/dossiers/${step.dossier_id}` }, tr('Xem hồ sơ', 'View the dossier'))));
    });
    const ret = h('form.mf-form.mf-card', { id: 'return-form' }, h('h2', tr('Trả lại bước trước', 'Send back')),
      field(tr('Lý do', 'Reason'), h('textarea', { name: 'reason', rows: 2 }), { required: true }),
      h('div.mf-actions', h('button.mf-secondary', { type: 'submit' }, tr('Trả lại', 'Send back'))));
    const retDraft = bindDraft(ret, `return:${id}`);
    onSubmit(ret, async (d) => { await api(`tasks/${id}/return`, { method: 'POST', body: { reason: d.get('reason') } }); retDraft.clear(); await reload(); });
    parts.push(form, ret, ...(await optionalActions(step, messages)));
  } else if (step.data) {
    parts.push(h('h2', tr('Dữ liệu đã nhập', 'Submitted data')), h('pre.mf-card', JSON.stringify(step.data, null, 2)));
  }
  render(...parts);
}

export async function notificationsView() {
  const render = page();
  render(h('h1', tr('Thông báo', 'Notifications')), loading());
  const items = await apiAll('notifications', {}, 3);
  const messages = h('div');
  render(h('h1', tr('Thông báo', 'Notifications')), messages, h('div', { id: 'notifications' }, table([
    [tr('Lúc', 'At'), (n) => time(n.created_at)],
    [tr('Nội dung', 'Text'), (n) => h('span', { class: n.read_at ? null : 'mf-unread' }, n.text)],
    [tr('Hồ sơ', 'Dossier'), (n) => (n.dossier_id ? h('a', { href: `#/dossiers/${n.dossier_id}` }, `#${n.dossier_id}`) : '')],
    ['', (n) => (n.read_at ? tr('Đã đọc', 'Read') : h('button.mf-secondary', { type: 'button', onclick: async () => {
      try { await api(`notifications/${n.id}/read`, { method: 'POST' }); if (render.live()) await notificationsView(); } catch (e) { if (e.status !== 401) showProblem(messages, e); }
    } }, tr('Đánh dấu đã đọc', 'Mark read')))],
  ], items, { empty: tr('Không có thông báo.', 'No notifications.') })));
}

/** Open an HTML page of the API (receipt, control sheet) with the bearer token, as a printable tab. */
export async function openHtml(path, messages, asFormat = true) {
  const win = window.open('', '_blank');
  try {
    const html = await api(path, asFormat ? { query: { format: 'html' } } : {});
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
    if (win) win.location = url; else location.href = url;
  } catch (e) {
    if (win) win.close();
    if (e.status !== 401) showProblem(messages, e);
  }
}

/** Open a form's PDF (stored as a document of the dossier on its first print) in a new tab, with the token. */
export async function openPdf(path, messages) {
  const win = window.open('', '_blank');
  try {
    const res = await api(path, { query: { format: 'pdf' }, raw: true });
    const url = URL.createObjectURL(new Blob([await res.blob()], { type: 'application/pdf' }));
    if (win) win.location = url; else location.href = url;
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (e) {
    if (win) win.close();
    if (e.status !== 401) showProblem(messages, e);
  }
}

/** Channel names in the console's language (the API names them in Vietnamese only). */
export const CHANNEL_NAMES = { email: ['Thư điện tử', 'E-mail'], sms: ['Tin nhắn SMS', 'SMS'], zalo: ['Zalo', 'Zalo'] };
export const channelName = (c) => tr(...(CHANNEL_NAMES[c] || [c, c]));
const NOTICE_CODES = ['notice_consent_missing', 'notice_channel_unavailable', 'notice_address_missing'];

/**
 * "Notices to the applicant": a box per channel this deployment has a provider for, and the applicant's consent.
 * `read()` gives the `notify` of a reception or a refusal, or undefined when no channel is ticked (nothing sent).
 */
function noticeChoice(channels) {
  const legend = h('legend', tr('Thông báo cho người nộp', 'Notices to the applicant'));
  if (!channels.length) {
    return { element: h('fieldset.mf-field', { dataset: { field: 'notify' }, id: 'reception-notify' }, legend,
      h('p.mf-help', tr('Chưa cấu hình kênh gửi thông báo (APPLICANT_CHANNELS).', 'No notice channel is configured (APPLICANT_CHANNELS).'))),
    read: () => undefined };
  }
  const boxes = channels.map((c) => h('input', { type: 'checkbox', name: `notify.${c.channel}`, dataset: { notifyChannel: c.channel } }));
  const consent = h('input', { type: 'checkbox', name: 'notify.consent', id: 'notify-consent' });
  const element = h('fieldset.mf-field', { dataset: { field: 'notify' }, id: 'reception-notify' }, legend,
    h('div.mf-actions', channels.map((c, i) => h('label', boxes[i], ' ', channelName(c.channel)))),
    h('label.mf-consent', consent, ' ', tr('Người nộp đồng ý nhận thông báo qua các kênh đã chọn', 'The applicant agrees to be notified over the chosen channels')),
    h('span.mf-help', tr('Thư điện tử cần địa chỉ email; SMS và Zalo cần số điện thoại của người nộp.', 'E-mail needs the applicant\'s e-mail address; SMS and Zalo need their phone.')));
  const read = () => {
    const chosen = boxes.filter((b) => b.checked).map((b) => b.dataset.notifyChannel);
    return chosen.length ? { channels: chosen, consent: consent.checked } : undefined;
  };
  return { element, read };
}

/** The API's refusals of the applicant's choice carry no `errors`: said next to the fieldset (`notify`) instead. */
function noticeProblem(error) {
  const problem = error && error.problem;
  if (problem && NOTICE_CODES.includes(problem.code)) {
    error.problem = { ...problem, errors: { notify: [problem.detail || problem.title] }, detail: undefined };
  }
  return error;
}

/**
 * The reception checklist of a procedure: a checkbox per component (required ones marked and checked), a file
 * input per component for its scan. File inputs carry no `name` (drafts keep what is typed, never files).
 */
function receptionChecklist(entry) {
  // what the applicant hands in: neither a result nor a paper a step of the procedure makes (its `produces`)
  const made = new Set(((entry && entry.steps) || []).map((s) => s.produces).filter(Boolean));
  const components = ((entry && entry.components) || []).filter((c) => !c.result && !made.has(c.key));
  return components.map((c) => {
    const box = h('input', { type: 'checkbox', name: `component.${c.key}`, checked: !!c.required, defaultChecked: !!c.required,
      dataset: { component: c.key } });
    const picker = filePicker({ accept: acceptOf(c.file_kinds), dataset: { file: c.key },
      'aria-label': tr(`Tệp số hoá: ${c.name}`, `Scan: ${c.name}`) });
    const file = picker.input;
    file.addEventListener('change', () => { if (file.files.length) box.checked = true; });
    return h('div.mf-field.mf-check-row', { dataset: { field: `components.${c.key}` } },
      h('label', box, ' ', c.name, c.required ? h('span.mf-required', { title: tr('bắt buộc', 'required') }, '*') : null,
        ' ', h('span.mf-help', `(${copiesText(c)})`)),
      h('div.mf-check-file', picker.element, h('span.mf-help', kindsText(c))));
  });
}

export async function receptionView() {
  const render = page();
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  render(h('h1', tr('Tiếp nhận hồ sơ', 'Receive a dossier')), loading());
  const [entries, channels] = await Promise.all([apiAll('procedures'), api('applicant-notices/channels').catch((e) => {
    if (e.status === 401 || e.stale) throw e;
    return []; // an older API: no notices to offer
  })]);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const checklist = h('div.mf-checklist', { id: 'reception-components' });
  const otherHelp = h('span.mf-help');
  const others = field(tr('Giấy tờ khác', 'Other papers'), h('textarea', { name: 'documents', rows: 3 }), { name: 'documents_other' });
  others.append(otherHelp);
  const papers = h('fieldset.mf-field', { dataset: { field: 'documents' } }, h('legend', tr('Thành phần hồ sơ', 'Documents')), checklist, others);
  const notify = noticeChoice(channels);
  const form = h('form.mf-form.mf-card', { id: 'reception-form' },
    field(tr('Thủ tục', 'Procedure'), select('procedure', entries.map((e) => [e.key, `${e.code || e.key} — ${e.name}`])), { required: true }),
    field(tr('Người nộp', 'Applicant'), input('applicant.name'), { required: true, name: 'applicant.name' }),
    field(tr('Số định danh / CCCD', 'ID number'), input('applicant.id_number'), { name: 'applicant.id_number' }),
    field(tr('Điện thoại', 'Phone'), input('applicant.phone'), { name: 'applicant.phone' }),
    field('Email', input('applicant.email'), { name: 'applicant.email' }),
    field(tr('Địa chỉ', 'Address'), input('applicant.address'), { name: 'applicant.address' }),
    papers,
    notify.element,
    field(tr('Dữ liệu hồ sơ (JSON)', 'Dossier data (JSON)'), h('textarea', { name: 'data', rows: 2, placeholder: '{}' }), { name: 'data' }),
    h('div.mf-actions', h('button', { type: 'submit' }, tr('Tiếp nhận', 'Receive'))));
  if (params.get('key')) form.elements.procedure.value = params.get('key');
  const showChecklist = () => {
    const rows = receptionChecklist(byKey.get(form.elements.procedure.value));
    checklist.replaceChildren(...rows);
    otherHelp.textContent = rows.length
      ? tr('Giấy tờ ngoài danh mục của thủ tục; mỗi dòng một giấy tờ. Đánh dấu và đính kèm bản số hoá ở danh mục trên.',
        'Papers outside the procedure\'s list, one per line. Tick and attach the scans in the list above.')
      : tr('Mỗi dòng một giấy tờ.', 'One document per line.');
  };
  showChecklist();
  const draft = bindDraft(form, 'reception');
  // the draft may have chosen another procedure: its checklist, then the boxes the draft had ticked
  showChecklist();
  try {
    const saved = JSON.parse(sessionStorage.getItem('mf-draft:reception') || '{}');
    checklist.querySelectorAll('input[type=checkbox][name]').forEach((box) => { if (box.name in saved) box.checked = !!saved[box.name]; });
  } catch { /* a corrupt draft: the defaults stay */ }
  form.elements.procedure.addEventListener('change', showChecklist);
  const result = h('div', { id: 'reception-result' });
  onSubmit(form, async (d) => {
    const key = d.get('procedure');
    const entry = byKey.get(key) || { components: [] };
    const applicant = {};
    ['name', 'id_number', 'phone', 'email', 'address'].forEach((k) => { const v = d.get(`applicant.${k}`); if (v) applicant[k] = v; });
    let data = {};
    if ((d.get('data') || '').trim()) {
      try { data = JSON.parse(d.get('data')); } catch { throw { status: 0, problem: { title: tr('Dữ liệu không phải JSON hợp lệ.', 'The data is not valid JSON.'), errors: { data: ['JSON'] } } }; }
    }
    const files = [...checklist.querySelectorAll('input[type=file][data-file]')].filter((f) => f.files.length);
    const ticked = [...checklist.querySelectorAll('input[type=checkbox][data-component]')].filter((b) => b.checked).map((b) => b.dataset.component);
    const keys = [...new Set([...ticked, ...files.map((f) => f.dataset.file)])];
    const documents = [...keys.map((component) => ({ component })),
      ...(d.get('documents') || '').split('\n').map((s) => s.trim()).filter(Boolean).map((name) => ({ name }))];
    const dossier = { applicant, documents, data, notify: notify.read() }; // undefined: left out of the JSON
    let receipt;
    try {
      if (files.length) {
        const body = new FormData();
        body.append('dossier', JSON.stringify(dossier));
        files.forEach((f) => body.append(f.dataset.file, f.files[0], f.files[0].name));
        receipt = await api(`procedures/${encodeURIComponent(key)}/dossiers/with-documents`, { method: 'POST', body });
      } else {
        receipt = await api(`procedures/${encodeURIComponent(key)}/dossiers`, { method: 'POST', body: dossier });
      }
    } catch (error) {
      let problem = error && error.problem;
      if (problem && problem.errors && problem.errors.dossier && typeof problem.errors.dossier === 'object' && !Array.isArray(problem.errors.dossier)) {
        problem = error.problem = { ...problem, errors: problem.errors.dossier }; // the multipart's `dossier` part: the form's own fields
      }
      noticeProblem(error);
      if (problem && problem.code === 'component_missing' && problem.errors && Array.isArray(problem.errors.documents)) {
        // the keys of the missing components, said next to each one's row
        const names = new Map((entry.components || []).map((c) => [c.key, c.name]));
        error.problem = { ...problem, errors: Object.fromEntries(problem.errors.documents.map((k) => [`components.${k}`,
          [tr(`Thiếu “${names.get(k) || k}” (bắt buộc): đánh dấu đã nộp hoặc đính kèm bản số hoá.`, `“${names.get(k) || k}” is required: tick it or attach its scan.`)]])) };
      } else if (problem && problem.code !== 'validation_failed' && problem.detail && problem.errors && !Array.isArray(problem.errors)
                 && Object.keys(problem.errors).some((k) => k.startsWith('documents') || k.startsWith('component') || k.startsWith('file'))) {
        error.problem = { ...problem, errors: undefined }; // the detail names the paper; the keys are for programs
      }
      throw error;
    }
    draft.clear();
    form.reset();
    showChecklist();
    result.replaceChildren(h('div.mf-ok.mf-card', { role: 'status' },
      h('h2', tr('Đã tiếp nhận hồ sơ ', 'Dossier received '), h('span', { id: 'dossier-code' }, receipt.code)),
      h('div', tr('Hẹn trả kết quả: ', 'Appointment: '), time(receipt.appointment_at)),
      receipt.documents && receipt.documents.length ? h('div', { id: 'reception-papers' }, tr('Giấy tờ đã nhận: ', 'Papers received: '),
        receipt.documents.map((p) => `${p.name} (${copiesText(p)})`).join('; ')) : null,
      files.length ? h('div', tr(`Đã lưu ${files.length} tệp số hoá.`, `${files.length} scanned file(s) stored.`)) : null,
      receipt.lookup_secret ? h('div', tr('Mã tra cứu (chỉ hiện một lần, ghi vào giấy tiếp nhận): ', 'Lookup code (shown once, write it on the receipt): '),
        h('strong', { id: 'lookup-secret' }, receipt.lookup_secret)) : null,
      // the applicant's own page (no JavaScript, the QR code of form 01 opens it too), not the JSON API
      receipt.lookup_secret ? h('div', tr('Tra cứu công khai: ', 'Public lookup: '),
        h('a', { href: `/tra-cuu/${encodeURIComponent(receipt.code)}?secret=${encodeURIComponent(receipt.lookup_secret)}`, target: '_blank', rel: 'noopener', id: 'lookup-link' }, tr('trang tra cứu của người nộp', 'the applicant\'s lookup page'))) : null,
      h('div.mf-actions', h('button.mf-secondary', { type: 'button', onclick: () => openHtml(`dossiers/${receipt.id}/receipt`, result) }, tr('In giấy tiếp nhận', 'Print the receipt')),
        h('a', { href: `#/dossiers/${receipt.id}`, id: 'open-dossier' }, tr('Xem hồ sơ', 'View the dossier')))));
    result.scrollIntoView({ block: 'start' });
  });
  render(h('h1', tr('Tiếp nhận hồ sơ', 'Receive a dossier')), result, form, refusalForm(form, checklist, notify, result, () => { draft.clear(); form.reset(); showChecklist(); }));
}

/**
 * Form 03: the same applicant and papers as the reception form above, refused with a reason (recorded with a
 * code, closed at once, no clock); printed as a page or a PDF.
 */
function refusalForm(reception, checklist, notify, result, cleared) {
  const refusal = h('form.mf-form.mf-card', { id: 'refusal-form' },
    h('h2', tr('Từ chối tiếp nhận (Mẫu 03)', 'Refuse at reception (form 03)')),
    h('p.mf-help', tr('Dùng người nộp, thủ tục và giấy tờ đã nhập ở trên.', 'Uses the applicant, procedure and papers entered above.')),
    field(tr('Lý do từ chối', 'Reason'), h('textarea', { name: 'reason', rows: 2 }), { required: true, name: 'reason' }),
    h('div.mf-actions', h('button.mf-secondary', { type: 'submit' }, tr('Từ chối tiếp nhận', 'Refuse'))));
  onSubmit(refusal, async (rd) => {
    const d = new FormData(reception);
    const applicant = {};
    ['name', 'id_number', 'phone', 'email', 'address'].forEach((k) => { const v = d.get(`applicant.${k}`); if (v) applicant[k] = v; });
    const ticked = [...checklist.querySelectorAll('input[type=checkbox][data-component]')].filter((b) => b.checked)
      .map((b) => ({ component: b.dataset.component }));
    const documents = [...ticked, ...(d.get('documents') || '').split('\n').map((x) => x.trim()).filter(Boolean).map((name) => ({ name }))];
    clearProblems(notify.element);
    const form03 = await api(`procedures/${encodeURIComponent(d.get('procedure'))}/refusals`,
      { method: 'POST', body: { applicant, documents, reason: rd.get('reason'), notify: notify.read() } });
    refusal.reset();
    cleared(); // the applicant is dealt with: the reception form starts empty for the next one
    result.replaceChildren(h('div.mf-ok.mf-card', { role: 'status' },
      h('h2', tr('Đã lập phiếu từ chối tiếp nhận ', 'Refusal recorded '), h('span', { id: 'refusal-code' }, form03.code)),
      h('div.mf-actions',
        h('button.mf-secondary', { type: 'button', id: 'print-refusal', onclick: () => openHtml(`dossiers/${form03.id}/refusal`, result) }, tr('In phiếu (Mẫu 03)', 'Print (form 03)')),
        h('button.mf-secondary', { type: 'button', id: 'pdf-refusal', onclick: () => openPdf(`dossiers/${form03.id}/refusal`, result) }, 'PDF'))));
    result.scrollIntoView({ block: 'start' });
  }, { problem: (form, error) => {
    showProblem(form, error);
    // the choice is made in the reception form above: its refusal is said there too, next to the fieldset
    const problem = error && error.problem;
    if (problem && NOTICE_CODES.includes(problem.code)) {
      notify.element.querySelectorAll('input').forEach((el) => el.setAttribute('aria-invalid', 'true'));
      notify.element.append(h('span.mf-field-error', { role: 'alert', dataset: { errorFor: 'notify' } }, problem.detail || problem.title));
      notify.element.scrollIntoView({ block: 'nearest' });
    }
  } });
  return refusal;
}
