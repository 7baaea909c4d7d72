// A form generated from a step's JSON Schema: string, number, integer, boolean, enum, array of strings
// (one per line); other arrays and objects as JSON text. Field names are the schema's property paths,
// so the API's 422 errors ("opinion", "documents_received.0.name") land next to their field.
import { h, field } from './ui.js';
import { tr } from './i18n.js';

function controlFor(name, prop) {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== 'null') : prop.type;
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
  if (type === 'array' || type === 'object') {
    return { el: h('textarea', { name, rows: 4, placeholder: type === 'array' ? '[{…}]' : '{…}' }), kind: 'json' };
  }
  if (prop.format === 'date') return { el: h('input', { type: 'date', name }), kind: 'string' };
  const long = (prop.maxLength || 0) > 300;
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
    return field(prop.title || name, el, { required: required.has(name), help, name });
  });
  const read = (form) => {
    const data = {};
    for (const [name, kind] of Object.entries(kinds)) {
      const el = form.elements.namedItem(name);
      if (!el) continue;
      if (kind === 'boolean') { data[name] = el.checked; continue; }
      const raw = el.value;
      if (raw === '') continue; // left empty: absent, so "required" is the API's to report
      if (kind === 'integer') data[name] = /^-?\d+$/.test(raw.trim()) ? Number.parseInt(raw, 10) : raw;
      else if (kind === 'number') data[name] = Number.isNaN(Number(raw)) ? raw : Number(raw);
      else if (kind === 'lines') data[name] = raw.split('\n').map((s) => s.trim()).filter(Boolean);
      else if (kind === 'json') { try { data[name] = JSON.parse(raw); } catch { data[name] = raw; } }
      else data[name] = raw;
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
