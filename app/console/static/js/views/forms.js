// A version's forms in the designer's view: the common cases as a list of fields, anything else as JSON.
// A draft's forms are saved one by one (PUT …/forms/<name>); the version answers with its data-flow findings.
import { api } from '../api.js';
import { tr } from '../i18n.js';
import { field, h, input, select, showOk, showProblem } from '../ui.js';

export const FIELD_TYPES = [
  ['text', tr('Chữ', 'Text')], ['number', tr('Số', 'Number')], ['date', tr('Ngày', 'Date')],
  ['yesno', tr('Có/Không', 'Yes/No')], ['choice', tr('Lựa chọn', 'Choice')], ['rows', tr('Danh sách dòng', 'List of rows')],
];

/** One field row → its JSON Schema property. */
function property(f) {
  const title = f.title ? { title: f.title } : {};
  switch (f.type) {
    case 'number': return { type: 'number', ...title };
    case 'date': return { type: 'string', format: 'date', ...title };
    case 'yesno': return { type: 'boolean', ...title };
    case 'choice': return { type: 'string', enum: f.choices, ...title };
    case 'rows': return { type: 'array', ...title, items: { type: 'object',
      properties: Object.fromEntries(f.columns.map((c) => [c, { type: 'string' }])) } };
    default: return { type: 'string', ...title };
  }
}

/** Field rows → JSON Schema (what the API stores and the officer's step is checked against). */
export function fieldsToSchema(fields) {
  const used = fields.filter((f) => f.name);
  const schema = { type: 'object', properties: Object.fromEntries(used.map((f) => [f.name, property(f)])) };
  const required = used.filter((f) => f.required).map((f) => f.name);
  if (required.length) schema.required = required;
  return schema;
}

/** JSON Schema → field rows, or null when it uses more than the common cases (then it is edited as JSON). */
export function schemaToFields(schema) {
  if (!schema || schema.type !== 'object' || typeof schema.properties !== 'object') return null;
  const known = new Set(['type', 'properties', 'required', 'title', 'description', '$schema', '$id', 'additionalProperties']);
  if (Object.keys(schema).some((k) => !known.has(k))) return null;
  const required = new Set(schema.required || []);
  const rows = [];
  for (const [name, p] of Object.entries(schema.properties)) {
    const base = { name, title: p.title || '', required: required.has(name), choices: [], columns: [] };
    const keys = Object.keys(p).filter((k) => !['title', 'description'].includes(k)).sort().join(',');
    if (p.type === 'boolean' && keys === 'type') rows.push({ ...base, type: 'yesno' });
    else if (p.type === 'number' && keys === 'type') rows.push({ ...base, type: 'number' });
    else if (p.type === 'string' && keys === 'format,type' && p.format === 'date') rows.push({ ...base, type: 'date' });
    else if (p.type === 'string' && keys === 'enum,type') rows.push({ ...base, type: 'choice', choices: p.enum.map(String) });
    else if (p.type === 'string' && keys === 'type') rows.push({ ...base, type: 'text' });
    else if (p.type === 'array' && keys === 'items,type' && p.items && p.items.type === 'object'
      && Object.values(p.items.properties || {}).every((c) => c.type === 'string')) {
      rows.push({ ...base, type: 'rows', columns: Object.keys(p.items.properties || {}) });
    } else return null;
  }
  return rows;
}

function fieldRow(f, onRemove) {
  const row = h('div.mf-form-field', { dataset: { formField: f.name || '' } },
    input('name', { value: f.name, placeholder: tr('tên trường (approved)', 'field name (approved)'), 'aria-label': tr('Tên trường', 'Field name') }),
    input('title', { value: f.title, placeholder: tr('nhãn hiển thị', 'label'), 'aria-label': tr('Nhãn', 'Label') }),
    select('type', FIELD_TYPES, { 'aria-label': tr('Kiểu', 'Type') }),
    input('extra', { placeholder: tr('lựa chọn / cột, cách nhau bởi dấu phẩy', 'choices / columns, comma-separated'),
      value: (f.type === 'rows' ? f.columns : f.choices).join(', '), 'aria-label': tr('Lựa chọn hoặc cột', 'Choices or columns') }),
    h('label', h('input', { type: 'checkbox', name: 'required', checked: f.required }), tr(' bắt buộc', ' required')),
    h('button.mf-secondary', { type: 'button', onclick: () => { row.remove(); onRemove(); } }, tr('Xoá', 'Remove')));
  row.querySelector('[name=type]').value = f.type;
  return row;
}

function readRows(holder) {
  return [...holder.querySelectorAll('.mf-form-field')].map((row) => {
    const value = (n) => row.querySelector(`[name=${n}]`).value.trim();
    const list = value('extra').split(',').map((s) => s.trim()).filter(Boolean);
    return { name: value('name'), title: value('title'), type: value('type'), required: row.querySelector('[name=required]').checked,
      choices: list, columns: list };
  });
}

/** The editor of one form: a field list when the schema allows, else its JSON. */
function formEditor(name, schema, { base, onSaved, messages, isNew }) {
  const rows = schemaToFields(schema || { type: 'object', properties: {} });
  const card = h('form.mf-form.mf-card', { dataset: { formName: name || '' } });
  const nameInput = input('form_name', { value: name || '', placeholder: tr('tên biểu mẫu', 'form name'), id: isNew ? 'new-form-name' : undefined });
  if (!isNew) nameInput.readOnly = true;
  let body;
  let read;
  if (rows) {
    const holder = h('div.mf-form-fields');
    const add = (f) => holder.append(fieldRow(f, () => {}));
    rows.forEach(add);
    if (!rows.length) add({ name: '', title: '', type: 'text', required: true, choices: [], columns: [] });
    body = h('div', holder, h('button.mf-secondary', { type: 'button', onclick: () => add({ name: '', title: '', type: 'text', required: false, choices: [], columns: [] }) },
      tr('Thêm trường', 'Add a field')));
    read = () => ({ ...(schema && schema.title ? { title: schema.title } : {}), ...fieldsToSchema(readRows(holder)) });
  } else {
    const text = h('textarea', { name: 'schema', rows: 10, spellcheck: false }, JSON.stringify(schema, null, 2));
    body = field(tr('JSON Schema (biểu mẫu nâng cao)', 'JSON Schema (advanced form)'), text);
    read = () => JSON.parse(text.value);
  }
  const save = h('button', { type: 'submit' }, tr('Lưu biểu mẫu', 'Save form'));
  const remove = isNew ? null : h('button.mf-danger', { type: 'button' }, tr('Xoá biểu mẫu', 'Delete form'));
  card.append(field(tr('Biểu mẫu', 'Form'), nameInput), body, h('div.mf-actions', save, remove));
  const call = async (method, payload) => {
    const formName = nameInput.value.trim();
    try {
      const version = await api(`${base}/forms/${encodeURIComponent(formName)}`, { method, body: payload });
      showOk(messages, tr(`Đã lưu biểu mẫu ${formName}.`, `Form ${formName} saved.`));
      await onSaved(version);
    } catch (error) {
      if (error.status !== 401) showProblem(card, error);
    }
  };
  card.addEventListener('submit', (event) => {
    event.preventDefault();
    let schemaOut;
    try { schemaOut = read(); } catch { showProblem(card, { problem: { title: tr('JSON không hợp lệ', 'Invalid JSON') } }); return; }
    call('PUT', schemaOut);
  });
  if (remove) remove.addEventListener('click', () => call('DELETE'));
  return card;
}

/** The "Forms" section of a version: read-only after submit; on a draft, every form editable and new ones added. */
export async function formsSection(v, base, { editable, onSaved, messages }) {
  const forms = await api(`${base}/forms`);
  const names = Object.keys(forms).sort();
  const missing = [...new Set((v.errors || []).filter((e) => e.code === 'form_missing')
    .map((e) => (v.steps || []).find((s) => s.id === e.element_id)).filter(Boolean).map((s) => s.form || s.id))];
  const section = h('section', { id: 'version-forms' }, h('h2', tr('Biểu mẫu', 'Forms')));
  if (!names.length && !editable) section.append(h('p.mf-help', tr('Phiên bản không có biểu mẫu.', 'The version has no forms.')));
  for (const name of names) {
    section.append(editable ? formEditor(name, forms[name], { base, onSaved, messages })
      : h('details.mf-card', { dataset: { formName: name } }, h('summary', name), h('pre', JSON.stringify(forms[name], null, 2))));
  }
  if (editable) {
    const fresh = formEditor(missing[0] || '', null, { base, onSaved, messages, isNew: true });
    section.append(h('h3', tr('Thêm biểu mẫu', 'Add a form')),
      missing.length ? h('p.mf-help', { id: 'missing-forms' }, tr('Các bước cần biểu mẫu: ', 'Steps need the forms: '), missing.join(', ')) : null, fresh);
  }
  return section;
}
