// Designers and administrators: catalog with versions, the BPMN editor, a version's review and lifecycle.
import { api, apiAll, hasRole } from '../api.js';
import { tr } from '../i18n.js';
import { NOT_INSTALLED, bpmnInstalled, camundaDescriptor, getProperty, loadModeler, loadViewer, markIssues, setProperty } from '../bpmn.js';
import { badge, bindDraft, field, h, input, loading, onSubmit, page, select, showOk, showProblem, table, time } from '../ui.js';
import { formsSection } from './forms.js';

const STATUS = {
  draft: ['Bản nháp', 'Draft'], in_review: ['Đang xem xét', 'In review'], published: ['Đã ban hành', 'Published'],
  superseded: ['Đã thay thế', 'Superseded'], abolished: ['Đã bãi bỏ', 'Abolished'],
};
export const statusBadge = (s) => badge(tr(...(STATUS[s] || [s, s])), `mf-status-${s}`);

export async function catalogView() {
  const render = page();
  render(h('h1', tr('Danh mục quy trình', 'Procedures')), loading());
  if (!hasRole('admin', 'designer', 'leader', 'auditor')) {
    const entries = await apiAll('procedures');
    render(h('h1', tr('Danh mục quy trình đã ban hành', 'Published procedures')),
      table([[tr('Mã', 'Code'), (e) => e.code || e.key], [tr('Tên', 'Name'), (e) => e.name],
        [tr('Phiên bản', 'Version'), (e) => e.version], [tr('Tổng thời hạn (ngày)', 'Total (days)'), (e) => e.declared_total_days ?? e.computed_total_days],
        ['', (e) => (hasRole('clerk') ? h('a', { href: `#/reception?key=${encodeURIComponent(e.key)}` }, tr('Tiếp nhận hồ sơ', 'Receive')) : '')]], entries));
    return;
  }
  const defs = await apiAll('process-definitions');
  const canEdit = hasRole('admin', 'designer');
  render(
    h('h1', tr('Danh mục quy trình', 'Procedures')),
    canEdit ? h('div.mf-actions', h('a.mf-button', { href: '#/editor/new' }, tr('Vẽ quy trình mới', 'New diagram'))) : null,
    table([
      [tr('Mã quy trình', 'Key'), (d) => h('code', d.key)],
      [tr('Tên', 'Name'), (d) => d.name],
      [tr('Mã TTHC', 'Code'), (d) => d.code || ''],
      [tr('Phiên bản', 'Versions'), (d) => h('div.mf-actions', d.versions.map((v) =>
        h('a', { href: `#/definitions/${encodeURIComponent(d.key)}/${v.version}`, dataset: { version: `${d.key}/${v.version}` } }, `v${v.version} `, statusBadge(v.status))))],
      ['', (d) => {
        const last = d.versions[d.versions.length - 1];
        return canEdit && last ? h('a', { href: `#/editor/${encodeURIComponent(d.key)}/${last.version}`, dataset: { edit: d.key } }, tr('Mở trình soạn thảo', 'Open in editor')) : '';
      }],
    ], defs));
}

const EMPTY_DIAGRAM = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_new" targetNamespace="https://motcua-flow.vn/bpmn">
  <bpmn:process id="quy_trinh_moi" name="Quy trình mới" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="quy_trinh_moi">
      <bpmndi:BPMNShape id="StartEvent_1_di" bpmnElement="StartEvent_1"><dc:Bounds x="180" y="160" width="36" height="36"/></bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>`;

const STEP_TYPES = new Set(['bpmn:UserTask', 'bpmn:ManualTask', 'bpmn:Task']);

export async function editorView(key, version) {
  const render = page();
  const title = key ? `${tr('Soạn thảo', 'Edit')} ${key} v${version}` : tr('Vẽ quy trình mới', 'New diagram');
  if (!bpmnInstalled()) {
    render(h('h1', title), h('div.mf-notice', { id: 'editor-missing' }, NOT_INSTALLED()));
    return;
  }
  const canvasEl = h('div.mf-canvas', { id: 'editor-canvas' });
  const panel = h('aside.mf-panel', { id: 'editor-panel' }, h('p.mf-help', tr('Chọn một bước hoặc một làn để sửa thuộc tính.', 'Select a step or a lane to edit its properties.')));
  const messages = h('div', { id: 'editor-messages' });
  const saveButton = h('button', { type: 'button', id: 'editor-save' }, tr('Lưu thành bản nháp mới', 'Save as a new draft'));
  render(h('h1', title), messages, h('div.mf-actions', saveButton,
    key ? h('a.mf-button.mf-secondary', { href: `#/definitions/${encodeURIComponent(key)}/${version}` }, tr('Về phiên bản', 'Back to the version')) : null),
  h('div.mf-editor', canvasEl, panel));

  const [Modeler, camunda] = await Promise.all([loadModeler(), camundaDescriptor()]);
  const [units, versionInfo, xml] = await Promise.all([
    apiAll('units').catch(() => []),
    key ? api(`process-definitions/${encodeURIComponent(key)}/versions/${version}`) : Promise.resolve(null),
    key ? api(`process-definitions/${encodeURIComponent(key)}/versions/${version}/bpmn`) : Promise.resolve(EMPTY_DIAGRAM),
  ]);
  if (!render.live()) return; // the user moved on while the diagram loaded
  const modeler = new Modeler({ container: canvasEl, moddleExtensions: { camunda } });
  window.mfModeler = modeler; // for end-to-end tests and debugging
  const draftKey = `mf-draft:editor:${key || 'new'}:${version || 0}`;
  const draft = sessionStorage.getItem(draftKey);
  await modeler.importXML(draft || xml);
  modeler.get('canvas').zoom('fit-viewport');
  if (draft) {
    messages.append(h('div.mf-notice', tr('Đã khôi phục sơ đồ đang sửa dở (chưa lưu). ', 'Your unsaved diagram was restored. '),
      h('button.mf-secondary', { type: 'button', onclick: () => { sessionStorage.removeItem(draftKey); location.reload(); } }, tr('Bỏ bản nháp', 'Discard'))));
  }
  const state = {};
  const forms = (versionInfo && versionInfo.forms) || [];
  if (versionInfo) {
    const missing = markIssues(modeler, [...(versionInfo.errors || []), ...(versionInfo.warnings || [])], state);
    if (missing.length) messages.append(h('div.mf-notice', h('ul', missing.map((i) => h('li', tr(i.message, i.message_en))))));
  }
  const saveDraft = async () => {
    const { xml: current } = await modeler.saveXML({ format: true });
    sessionStorage.setItem(draftKey, current);
  };
  modeler.on('commandStack.changed', () => { saveDraft(); });
  window.addEventListener('mf-save-drafts', saveDraft);

  const showPanel = (element) => {
    if (!element) { panel.replaceChildren(h('p.mf-help', tr('Chọn một bước hoặc một làn.', 'Select a step or a lane.'))); return; }
    const bo = element.businessObject;
    const rows = [h('h2', bo.name || bo.id), h('p.mf-help', `${bo.$type} · ${bo.id}`)];
    const prop = (name, label, control, help) => {
      control.value = getProperty(bo, name);
      control.name = name;
      control.addEventListener('change', () => setProperty(modeler, element, name, control.value.trim()));
      rows.push(field(label, control, { help, name }));
    };
    if (STEP_TYPES.has(bo.$type)) {
      prop('timeLimit', tr('Thời hạn (timeLimit)', 'Time limit (timeLimit)'), input('timeLimit', { id: 'prop-timeLimit', placeholder: 'P0.5D, PT4H' }),
        tr('ISO 8601, thời gian làm việc: 1D = 8 giờ. Để trống: không tính hạn.', 'ISO 8601 working time: 1D = 8 hours. Empty: not counted.'));
      const list = h('datalist', { id: 'form-names' }, forms.map((f) => h('option', { value: f })));
      prop('form', tr('Biểu mẫu (form)', 'Form'), input('form', { id: 'prop-form', list: 'form-names' }),
        forms.length ? `${tr('Có sẵn', 'Available')}: ${forms.join(', ')}` : null);
      rows.push(list);
    } else if (bo.$type === 'bpmn:Lane') {
      const options = [['', tr('— chưa gán —', '— unbound —')], ...units.map((u) => [u.code, `${u.code} — ${u.name}`])];
      const current = getProperty(bo, 'unit');
      if (current && !units.some((u) => u.code === current)) options.push([current, current]);
      prop('unit', tr('Đơn vị (unit)', 'Unit'), select('unit', options, { id: 'prop-unit' }));
    } else if (bo.$type === 'bpmn:Process' || bo.$type === 'bpmn:Participant') {
      const target = bo.$type === 'bpmn:Participant' ? bo.processRef : bo;
      if (target) {
        const control = input('totalTimeLimit', { id: 'prop-totalTimeLimit', placeholder: 'P10.5D' });
        control.value = getProperty(target, 'totalTimeLimit');
        const shape = bo.$type === 'bpmn:Participant' ? element : modeler.get('canvas').getRootElement();
        control.addEventListener('change', () => setProperty(modeler, shape, 'totalTimeLimit', control.value.trim(), target));
        rows.push(field(tr('Tổng thời hạn (totalTimeLimit)', 'Declared total (totalTimeLimit)'), control, { name: 'totalTimeLimit' }));
      }
    }
    panel.replaceChildren(...rows);
  };
  modeler.on('selection.changed', (e) => showPanel(e.newSelection.length === 1 ? e.newSelection[0] : null));

  saveButton.addEventListener('click', async () => {
    saveButton.disabled = true;
    try {
      const { xml: current } = await modeler.saveXML({ format: true });
      const created = await api('process-definitions', { method: 'POST', body: current });
      sessionStorage.removeItem(draftKey);
      markIssues(modeler, created.warnings || [], state);
      showOk(messages, h('span', { id: 'editor-saved' }, tr('Đã lưu bản nháp ', 'Saved draft '),
        h('a', { href: `#/definitions/${encodeURIComponent(created.key)}/${created.version}` }, `${created.key} v${created.version}`)));
    } catch (error) {
      if (error.status === 401) return;
      const issues = Array.isArray(error.problem.errors) ? error.problem.errors : [];
      markIssues(modeler, [...issues, ...(error.problem.warnings || [])], state);
      showProblem(messages, error);
    } finally { saveButton.disabled = false; }
  });
}

async function diagram(container, key, version, issues) {
  if (!bpmnInstalled()) { container.append(h('div.mf-notice', NOT_INSTALLED())); return null; }
  const [Viewer, camunda] = await Promise.all([loadViewer(), camundaDescriptor()]);
  const el = h('div.mf-canvas.mf-viewer');
  container.append(el);
  try {
    const xml = await api(`process-definitions/${encodeURIComponent(key)}/versions/${version}/bpmn`);
    const viewer = new Viewer({ container: el, moddleExtensions: { camunda } });
    await viewer.importXML(xml);
    viewer.get('canvas').zoom('fit-viewport');
    if (issues) markIssues(viewer, issues, {});
    return viewer;
  } catch (error) {
    if (/no diagram to display/i.test(error.message || '')) {  // a file without BPMN DI (drawn as text, no shapes)
      el.remove();
      container.append(h('div.mf-notice', tr(
        'Tệp BPMN này không có phần hình vẽ (BPMN DI), nên không vẽ được sơ đồ; các bước vẫn chạy bình thường.',
        'This BPMN file has no diagram interchange (BPMN DI), so there is nothing to draw; its steps run as usual.')));
    } else if (error.status !== 401) showProblem(container, error);
    return null;
  }
}
export { diagram };

function issueList(title, issues) {
  if (!issues || !issues.length) return null;
  return h('div', h('h2', title), h('ul', issues.map((i) => h('li', { dataset: { elementId: i.element_id || '' } },
    i.element_id ? h('code', i.element_id) : null, i.line ? ` (${tr('dòng', 'line')} ${i.line}) ` : ' ', tr(i.message, i.message_en)))));
}

export async function versionView(key, number) {
  const render = page();
  render(h('h1', `${key} v${number}`), loading());
  const v = await api(`process-definitions/${encodeURIComponent(key)}/versions/${number}`);
  const base = `process-definitions/${encodeURIComponent(key)}/versions/${number}`;
  const reload = async () => { if (render.live()) await versionView(key, number); };
  const actions = h('div.mf-actions', { id: 'version-actions' });
  const messages = h('div', { id: 'version-messages' });
  const act = (label, path, body, id, cls) => h(`button${cls ? `.${cls}` : ''}`, {
    type: 'button', id,
    onclick: async () => {
      try { await api(`${base}/${path}`, { method: 'POST', body }); await reload(); } catch (error) { if (error.status !== 401) showProblem(messages, error); }
    },
  }, label);
  if (hasRole('admin', 'designer')) actions.append(h('a.mf-button.mf-secondary', { href: `#/editor/${encodeURIComponent(key)}/${number}`, id: 'open-editor' }, tr('Mở trình soạn thảo', 'Open in editor')));
  if (v.status === 'draft' && hasRole('admin', 'designer')) actions.append(act(tr('Gửi xem xét', 'Submit for review'), 'submit', {}, 'submit-version'));
  if (v.status === 'in_review' && hasRole('admin')) actions.append(act(tr('Trả lại người thiết kế', 'Return to designer'), 'return', {}, 'return-version', 'mf-secondary'));

  const dia = h('div');
  const parts = [
    h('h1', `${v.process_name || key} — v${v.version} `, statusBadge(v.status)),
    messages, actions,
    h('div.mf-grid',
      h('div.mf-card',
        h('div', `${tr('Tổng thời hạn khai báo', 'Declared total')}: ${v.declared_total_days ?? '—'} ${tr('ngày', 'days')}; ${tr('theo các bước', 'from the steps')}: ${v.computed_total_days} ${tr('ngày', 'days')}`,
          v.total_mismatch ? badge(tr('lệch', 'mismatch'), 'mf-due-soon') : null),
        v.decision_number ? h('div', `${tr('Quyết định', 'Decision')}: ${v.decision_number} (${v.decision_date || ''})`) : null,
        v.published_at ? h('div', tr('Ban hành: ', 'Published: '), time(v.published_at)) : null,
        v.abolished_at ? h('div', tr('Bãi bỏ: ', 'Abolished: '), time(v.abolished_at), ` — ${v.abolish_reason || ''}`) : null,
        issueList(tr('Lỗi', 'Errors'), v.errors), issueList(tr('Cảnh báo', 'Warnings'), v.warnings)),
      h('div.mf-card', h('h2', tr('Các bước', 'Steps')),
        table([[tr('Bước', 'Step'), (s) => s.name || s.id], [tr('Làn', 'Lane'), (s) => s.lane_id || ''],
          [tr('Thời hạn', 'Limit'), (s) => s.time_limit || ''], [tr('Biểu mẫu', 'Form'), (s) => s.form || '']], v.steps || []))),
    h('h2', tr('Sơ đồ', 'Diagram')), dia,
  ];
  try {
    parts.push(await formsSection(v, base, { editable: v.status === 'draft' && hasRole('admin', 'designer'), onSaved: reload, messages }));
  } catch (error) {
    if (error.status !== 401) showProblem(messages, error);
  }

  if (v.lane_bindings && v.lane_bindings.length) {
    parts.push(h('h2', tr('Gán làn cho đơn vị', 'Lane bindings')),
      table([[tr('Làn', 'Lane'), (b) => b.lane_name || b.lane_id], [tr('Đơn vị', 'Unit'), (b) => `${b.unit_code} — ${b.unit_name}`]], v.lane_bindings));
  }

  if (v.status === 'in_review' && hasRole('admin')) {
    const units = await apiAll('units').catch(() => []);
    const form = h('form.mf-form.mf-card', { id: 'publish-form' },
      h('h2', tr('Ban hành', 'Publish')),
      field(tr('Số quyết định', 'Decision number'), input('decision_number'), { required: true }),
      field(tr('Ngày quyết định', 'Decision date'), input('decision_date', { type: 'date' }), { required: true }),
      field(tr('Ngày hiệu lực', 'Effective date'), input('effective_date', { type: 'date' })),
      h('div.mf-field', { dataset: { field: 'lane_bindings' } }, h('label', tr('Gán làn cho đơn vị', 'Bind lanes to units')),
        (v.lanes || []).map((lane) => field(lane.name || lane.id,
          select(`lane:${lane.id}`, [['', lane.unit ? `${tr('theo sơ đồ', 'from the diagram')}: ${lane.unit}` : tr('— chọn —', '— choose —')],
            ...units.map((u) => [String(u.id), `${u.code} — ${u.name}`])]), { name: `lane_bindings.${lane.id}` }))),
      h('div.mf-actions', h('button', { type: 'submit' }, tr('Ban hành', 'Publish'))));
    const draft = bindDraft(form, `publish:${key}:${number}`);
    onSubmit(form, async (data) => {
      const bindings = {};
      for (const [name, value] of data.entries()) if (name.startsWith('lane:') && value) bindings[name.slice(5)] = Number(value);
      await api(`${base}/publish`, { method: 'POST', body: {
        decision_number: data.get('decision_number'), decision_date: data.get('decision_date') || null,
        effective_date: data.get('effective_date') || null, lane_bindings: bindings } });
      draft.clear();
      await reload();
    });
    parts.push(form);
  }
  if (v.status === 'published' && hasRole('admin')) {
    const form = h('form.mf-form.mf-card', { id: 'abolish-form' }, h('h2', tr('Bãi bỏ', 'Abolish')),
      field(tr('Lý do', 'Reason'), h('textarea', { name: 'reason', rows: 2 }), { required: true }),
      h('div.mf-actions', h('button.mf-danger', { type: 'submit' }, tr('Bãi bỏ', 'Abolish'))));
    onSubmit(form, async (data) => { await api(`${base}/abolish`, { method: 'POST', body: { reason: data.get('reason') } }); await reload(); });
    parts.push(form);
  }
  // review comments
  parts.push(h('h2', tr('Ý kiến xem xét', 'Review comments')),
    h('div', { id: 'comments' }, (v.comments || []).length ? h('ul', v.comments.map((c) => h('li', h('strong', c.author_name || ''), ' · ', time(c.created_at), h('div', c.text))))
      : h('p.mf-help', tr('Chưa có ý kiến.', 'No comments yet.'))));
  if (hasRole('admin', 'designer', 'leader')) {
    const form = h('form.mf-form', { id: 'comment-form' }, field(tr('Ý kiến', 'Comment'), h('textarea', { name: 'text', rows: 3 }), { required: true }),
      h('div.mf-actions', h('button', { type: 'submit' }, tr('Gửi ý kiến', 'Add comment'))));
    const draft = bindDraft(form, `comment:${key}:${number}`);
    onSubmit(form, async (data) => { await api(`${base}/comments`, { method: 'POST', body: { text: data.get('text') } }); draft.clear(); await reload(); });
    parts.push(form);
  }
  render(...parts);
  await diagram(dia, key, number, [...(v.errors || []), ...(v.warnings || [])]);
}
