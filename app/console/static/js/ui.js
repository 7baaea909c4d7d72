// Small DOM helpers, problem details next to fields, drafts kept in sessionStorage.
import { tr, formatTime } from './i18n.js';

/** h('tag.class', {attrs}, ...children) */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) { children.unshift(attrs); attrs = null; }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && k !== 'list' && k !== 'form' && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function view() { return document.getElementById('mf-view'); }

export function render(...children) {
  const root = view();
  root.replaceChildren(...children.flat());
  return root;
}

// Pages. Views are async: one still waiting for the API when the user (or a link) moves on must not paint
// over the page shown since. The router starts a page for every route (`newPage`); a view takes its
// renderer with `page()` before its first `await`, and that renderer refuses once another page has started.

let currentPage = 0;

/** Thrown by a page's renderer once the page is gone: the view stops there; the router ignores it. */
export class StalePage extends Error {
  constructor() { super('page replaced'); this.stale = true; }
}

/** The router: a new page starts; renderers taken before stop working. */
export function newPage() { currentPage += 1; return currentPage; }

/**
 * The renderer of the page being shown now; call it at the start of a view, before any `await`.
 * `render.live()` tells whether the page is still the one shown (check it before reloading the view).
 */
export function page() {
  const mine = currentPage;
  const pageRender = (...children) => {
    if (mine !== currentPage) {
      window.dispatchEvent(new Event('mf-stale-page')); // for end-to-end tests and debugging
      throw new StalePage();
    }
    return render(...children);
  };
  pageRender.live = () => mine === currentPage;
  return pageRender;
}

export function field(label, input, { required = false, help = null, name = null } = {}) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const wrapper = h('div.mf-field', { dataset: { field: name || input.name || '' } },
    h('label', { for: id }, label, required ? h('span.mf-required', { title: tr('bắt buộc', 'required') }, '*') : null),
    input, help ? h('span.mf-help', help) : null);
  return wrapper;
}

export function input(name, attrs = {}) { return h('input', { type: 'text', name, ...attrs }); }

export function select(name, options, attrs = {}) {
  return h('select', { name, ...attrs }, options.map(([value, label]) => h('option', { value }, label)));
}

export function badge(text, cls = '') { return h(`span.mf-badge${cls ? `.${cls}` : ''}`, text); }

export function time(value) { return value ? h('time', { datetime: value }, formatTime(value)) : ''; }

export function table(columns, rows, { empty = tr('Không có dữ liệu.', 'Nothing here.') } = {}) {
  if (!rows.length) return h('p.mf-help', empty);
  return h('table', h('thead', h('tr', columns.map(([title]) => h('th', title)))),
    h('tbody', rows.map((row) => h('tr', columns.map(([, cell]) => h('td', cell(row)))))));
}

/** Flatten problem `errors` ({a: {b: [..]}} or {"a.b": [..]}) into [["a.b", "message"], …]. */
function flatErrors(errors, prefix = '') {
  if (!errors || typeof errors !== 'object') return [];
  if (Array.isArray(errors)) {
    if (errors.every((e) => typeof e === 'string')) return errors.map((m) => [prefix, m]);
    return errors.flatMap((e, i) => (typeof e === 'object' ? flatErrors(e, prefix ? `${prefix}.${i}` : String(i)) : [[prefix, String(e)]]));
  }
  return Object.entries(errors).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return typeof v === 'string' ? [[path, v]] : flatErrors(v, path);
  });
}

export function clearProblems(scope) {
  scope.querySelectorAll('.mf-problem, .mf-field-error, .mf-ok').forEach((el) => el.remove());
  scope.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
}

function fieldFor(scope, path) {
  // Longest matching prefix: "documents_received.0.name" falls back to "documents_received".
  const parts = path.split('.');
  for (let n = parts.length; n > 0; n -= 1) {
    const name = parts.slice(0, n).join('.');
    const found = scope.querySelector(`.mf-field[data-field="${CSS.escape(name)}"]`);
    if (found) return found;
  }
  return null;
}

/**
 * Show an API problem: title/detail on top of `scope`, each field error next to its field
 * (`.mf-field[data-field=path]`), and issues with an element id (BPMN) as a list.
 */
export function showProblem(scope, error, { before = null } = {}) {
  if (error && error.stale) return null; // the page is gone: nothing to show it on
  clearProblems(scope);
  const problem = (error && error.problem) || { title: String(error && error.message ? error.message : error) };
  const unmatched = [];
  const issues = Array.isArray(problem.errors) && problem.errors.some((e) => e && typeof e === 'object' && 'message' in e);
  if (issues) {
    problem.errors.forEach((issue) => unmatched.push(
      `${issue.element_id ? `[${issue.element_id}] ` : ''}${issue.line ? `(${tr('dòng', 'line')} ${issue.line}) ` : ''}${tr(issue.message, issue.message_en)}`));
  } else {
    for (const [path, message] of flatErrors(problem.errors)) {
      const holder = path ? fieldFor(scope, path) : null;
      if (holder) {
        holder.querySelectorAll('input, select, textarea').forEach((el) => el.setAttribute('aria-invalid', 'true'));
        holder.append(h('span.mf-field-error', { role: 'alert', dataset: { errorFor: path } }, message));
      } else {
        unmatched.push(path ? `${path}: ${message}` : message);
      }
    }
  }
  const box = h('div.mf-problem', { role: 'alert', dataset: { code: problem.code || '' } },
    h('strong', problem.title || tr('Lỗi', 'Error')),
    problem.detail && problem.detail !== problem.title ? h('div', problem.detail) : null,
    unmatched.length ? h('ul', unmatched.map((m) => h('li', m))) : null);
  if (before) before.before(box); else scope.prepend(box);
  return box;
}

export function showOk(scope, message) {
  clearProblems(scope);
  const box = h('div.mf-ok', { role: 'status' }, message);
  scope.prepend(box);
  return box;
}

/** Keep what is typed in `form` in sessionStorage under `key`; restore it now. */
export function bindDraft(form, key) {
  const storeKey = `mf-draft:${key}`;
  const save = () => {
    const values = {};
    form.querySelectorAll('[name]').forEach((el) => {
      if (el.type === 'password') return;
      values[el.name] = el.type === 'checkbox' ? el.checked : el.value;
    });
    sessionStorage.setItem(storeKey, JSON.stringify(values));
  };
  const saved = sessionStorage.getItem(storeKey);
  if (saved) {
    try {
      const values = JSON.parse(saved);
      // rows a generated form adds on demand ("documents_received.2.name"): make room before restoring
      for (const name of Object.keys(values)) {
        const m = name.match(/^(.*)\.(\d+)\.[^.]+$/);
        const holder = m ? form.querySelector(`[data-rows="${CSS.escape(m[1])}"]`) : null;
        if (holder && holder.ensureRows) holder.ensureRows(Number(m[2]) + 1);
      }
      form.querySelectorAll('[name]').forEach((el) => {
        if (!(el.name in values)) return;
        if (el.type === 'checkbox') el.checked = !!values[el.name]; else el.value = values[el.name];
      });
      form.prepend(h('div.mf-notice', { dataset: { draftRestored: key } }, tr('Đã khôi phục nội dung đang nhập dở.', 'Your unsaved input was restored.')));
    } catch { /* ignore a corrupt draft */ }
  }
  form.addEventListener('input', save);
  form.addEventListener('change', save);
  window.addEventListener('mf-save-drafts', save);
  return { clear: () => sessionStorage.removeItem(storeKey), save };
}

/** Run `action` on submit, showing problems in the form; `action` returns a success message or nothing. */
/**
 * Submit `form` through `action(formData)` (its message, if any, shown on success); `problem(form, error)` shows a
 * refusal (default: the API's problem next to the fields).
 */
export function onSubmit(form, action, { problem = showProblem } = {}) {
  form.setAttribute('novalidate', '');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    try {
      clearProblems(form);
      const message = await action(new FormData(form));
      if (message) showOk(form, message);
    } catch (error) {
      if (error && (error.status === 401 || error.stale)) return;
      problem(form, error);
    } finally {
      if (button) button.disabled = false;
    }
  });
  return form;
}

export function loading() { return h('p.mf-help', tr('Đang tải…', 'Loading…')); }
