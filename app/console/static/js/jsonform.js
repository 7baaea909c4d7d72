// A form generated from a step's JSON Schema: string, number, integer, boolean, enum, array of strings
// (one per line), array of flat objects as rows of fields (add / remove a row); anything deeper as JSON
// text. Field names are the schema's property paths, so the API's 422 errors ("opinion",
// "documents_received.0.name") land next to their field.
import { h, field } from './ui.js';
import { tr } from './i18n.js';

const SCALARS = new Set(['string', 'integer', 'number', 'boolean']);

function typeOf(prop) {
  return Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
}

/** An array whose items are objects of scalar fields: edited as rows, one field per property. */
function isRowsArray(prop) {
  const items = prop.items || {};
  const props = items.properties ? Object.values(items.properties) : [];
  return typeOf(items) === 'object' && props.length > 0 && props.every((p) => p && (p.enum || SCALARS.has(typeOf(p))));
}

function rowsControl(name, prop) {
  const itemRequired = new Set(prop.items.required || []);
  // required fields first (a document's name before its copies), then the schema's order
  const itemProps = Object.entries(prop.items.properties).sort(([a], [b]) => itemRequired.has(b) - itemRequired.has(a));
  const body = h('div.mf-rows-body');
  const renumber = () => {
    [...body.children].forEach((row, i) => row.querySelectorAll('[data-key]').forEach((el) => {
      el.name = `${name}.${i}.${el.dataset.key}`;
      el.closest('.mf-field').dataset.field = el.name;
    }));
    body.dispatchEvent(new Event('change', { bubbles: true })); // the draft forgets the removed row
  };
  const addRow = () => {
    const i = body.children.length;
    const cells = itemProps.map(([key, p]) => {
      const { el, kind } = controlFor(`${name}.${i}.${key}`, p || {}, { compact: true });
      el.dataset.key = key;
      el.dataset.kind = kind;
      return field(p.title || key, el, { required: itemRequired.has(key), name: el.name });
    });
    const row = h('div.mf-row', cells, h('button.mf-secondary', { type: 'button', dataset: { removeRow: name },
      onclick: () => { row.remove(); renumber(); } }, tr('Xoá dòng', 'Remove')));
    body.append(row);
  };
  const container = h('div.mf-rows', { dataset: { rows: name } }, body,
    h('button.mf-secondary', { type: 'button', dataset: { addRow: name }, onclick: addRow }, tr('Thêm dòng', 'Add a row')));
  container.ensureRows = (count) => { while (body.children.length < count) addRow(); }; // drafts with more rows
  container.ensureRows(Math.max(prop.minItems || 0, 1));
  return { el: container, kind: 'rows' };
}

/** The value of one control, or undefined when left empty (absent, so "required" is the API's to report). */
function valueOf(el, kind) {
  if (kind === 'boolean') return el.checked;
  const raw = el.value;
  if (raw === '') return undefined;
  if (kind === 'integer') return /^-?\d+$/.test(raw.trim()) ? Number.parseInt(raw, 10) : raw;
  if (kind === 'number') return Number.isNaN(Number(raw)) ? raw : Number(raw);
  if (kind === 'lines') return raw.split('\n').map((s) => s.trim()).filter(Boolean);
  if (kind === 'json') { try { return JSON.parse(raw); } catch { return raw; } }
  return raw;
}

function controlFor(name, prop, { compact = false } = {}) {
  const type = typeOf(prop);
  if (prop.enum) {
    const options = [['', '—'], ...prop.enum.map((v) => [String(v), String(v)])];
    return { el: h('select', { name }, options.map(([v, l]) => h('option', { value: v }, l))), kind: type || 'string' };
  }
  if (type === 'boolean') return { el: h('input', { type: 'checkbox', name }), kind: 'boolean' };
  if (type === 'integer' || type === 'number') {
    return { el: h('input', { type: 'number', name, step: type === 'integer' ? '1' : 'any', min: prop.minimum, max: prop.maximum }), kind: type };
  }
  if (type === 'array' && prop.items && (prop.items.type === 'string' || !prop.items.type)) {
    return { el: h('textarea', { name, rows: 3 }), kind: 'lines' };
  }
  if (type === 'array' && isRowsArray(prop)) return rowsControl(name, prop);
  if (type === 'array' || type === 'object') {
    return { el: h('textarea', { name, rows: 4, placeholder: type === 'array' ? '[{…}]' : '{…}' }), kind: 'json' };
  }
  if (prop.format === 'date') return { el: h('input', { type: 'date', name }), kind: 'string' };
  const long = !compact && (prop.maxLength || 0) > 300;
  return { el: long ? h('textarea', { name, rows: 3 }) : h('input', { type: 'text', name }), kind: 'string' };
}

/** Build the fields for `schema` into a fragment; returns {fields, read(form) -> data}. */
export function schemaFields(schema) {
  const props = (schema && schema.properties) || {};
  const required = new Set((schema && schema.required) || []);
  const kinds = {};
  const nodes = Object.entries(props).map(([name, prop]) => {
    const { el, kind } = controlFor(name, prop || {});
    kinds[name] = kind;
    let help = prop.description || null;
    if (kind === 'lines') help = [help, tr('Mỗi dòng một giá trị.', 'One value per line.')].filter(Boolean).join(' ');
    if (kind === 'json') help = [help, tr('Nhập dạng JSON.', 'Enter as JSON.')].filter(Boolean).join(' ');
    if (kind === 'rows') {
      return h('fieldset.mf-field', { dataset: { field: name } },
        h('legend', prop.title || name, required.has(name) ? h('span.mf-required', { title: tr('bắt buộc', 'required') }, '*') : null),
        el, help ? h('span.mf-help', help) : null);
    }
    return field(prop.title || name, el, { required: required.has(name), help, name });
  });
  const read = (form) => {
    const data = {};
    for (const [name, kind] of Object.entries(kinds)) {
      if (kind === 'rows') {
        const holder = form.querySelector(`[data-rows="${CSS.escape(name)}"]`);
        const rows = [...holder.querySelectorAll('.mf-row')].map((row) => {
          const item = {};
          row.querySelectorAll('[data-key]').forEach((el) => {
            const value = valueOf(el, el.dataset.kind);
            if (value !== undefined) item[el.dataset.key] = value;
          });
          return item;
        }).filter((item) => Object.keys(item).length);
        if (rows.length) data[name] = rows;
        continue;
      }
      const el = form.elements.namedItem(name);
      if (!el) continue;
      const value = valueOf(el, kind);
      if (value !== undefined) data[name] = value;
    }
    return data;
  };
  return { fields: nodes, read };
}

/** Resolve a `$ref` of the OpenAPI document to its schema. */
export function resolveRef(doc, schema) {
  let current = schema;
  for (let i = 0; current && current.$ref && i < 5; i += 1) {
    current = current.$ref.replace(/^#\//, '').split('/').reduce((node, key) => (node || {})[key], doc);
  }
  return current || {};
}
