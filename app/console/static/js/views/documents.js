// A dossier's documents (thành phần hồ sơ, issue #17): each component with its current file, its versions, its
// digital signatures; uploads (a new version), downloads (with the bearer token) and soft deletes with a reason.
import { api, ApiError, apiAll, hasRole, officer } from '../api.js';
import { formatTime, lang, tr } from '../i18n.js';
import { badge, clearProblems, field, h, input, onSubmit, showOk, showProblem, time } from '../ui.js';

const COPY_KINDS = {
  ban_chinh: ['Bản chính', 'Original'], ban_sao: ['Bản sao', 'Copy'],
  ban_sao_chung_thuc: ['Bản sao chứng thực', 'Certified copy'], ban_dien_tu: ['Bản điện tử', 'Electronic copy'],
};
export const copyKind = (kind) => tr(...(COPY_KINDS[kind] || [kind || '', kind || '']));

/** "Bản sao · 2 bản" */
export function copiesText(c) {
  const copies = c.copies || 1;
  return `${copyKind(c.copy_kind || 'ban_chinh')} · ${copies} ${tr('bản', copies === 1 ? 'copy' : 'copies')}`;
}

const EXTENSIONS = { pdf: ['.pdf'], png: ['.png'], jpeg: ['.jpg', '.jpeg'], tiff: ['.tif', '.tiff'], webp: ['.webp'],
  docx: ['.docx'], xlsx: ['.xlsx'], odt: ['.odt'], ods: ['.ods'] };

/** The file picker's filter (the API reads the kind from the bytes: this only helps the user choose). */
export function acceptOf(kinds) { return (kinds || []).flatMap((k) => EXTENSIONS[k] || []).join(',') || null; }

export function humanSize(bytes) {
  if (bytes === null || bytes === undefined) return '';
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit += 1; }
  return `${value.toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN', { maximumFractionDigits: unit ? 1 : 0 })} ${units[unit]}`;
}

/**
 * A file input that speaks the console's language: the browser's own button ("Choose File") hidden visually,
 * a label-button "Chọn tệp…" and the chosen file's name and size beside it. Returns { element, input }.
 */
export function filePicker(attrs = {}) {
  const none = () => tr('Chưa chọn tệp', 'No file chosen');
  const fileInput = h('input.mf-file-input', { type: 'file', ...attrs });
  const name = h('span.mf-file-name.mf-help', none());
  fileInput.addEventListener('change', () => {
    const chosen = fileInput.files && fileInput.files[0];
    name.textContent = chosen ? `${chosen.name} (${humanSize(chosen.size)})` : none();
  });
  const element = h('span.mf-file-picker', h('label.mf-button.mf-secondary', fileInput, tr('Chọn tệp…', 'Choose a file…')), name);
  return { element, input: fileInput };
}

/** "Nhận PDF, JPEG, PNG; tối đa 50 MB" */
export function kindsText(c) {
  const kinds = (c.file_kinds || []).map((k) => k.toUpperCase()).join(', ');
  return `${tr('Nhận', 'Accepts')} ${kinds}${c.max_bytes ? `; ${tr('tối đa', 'at most')} ${humanSize(c.max_bytes)}` : ''}`;
}

const CLOSED = ['finished', 'withdrawn', 'stopped'];
export const isOpen = (dossier) => !!dossier && !CLOSED.includes(dossier.status);

const SIGNATURE = {
  valid: ['Chữ ký số hợp lệ', 'Valid digital signature', 'mf-sig-valid'],
  untrusted: ['Chưa được tin cậy', 'Not trusted', 'mf-sig-untrusted'],
  modified: ['Bị sửa sau khi ký', 'Modified after signing', 'mf-sig-bad'],
  invalid: ['Không hợp lệ', 'Invalid', 'mf-sig-bad'],
};

/** The signature verdict of a version: the label, the signers' names, each signature's reason as the tooltip. */
export function signatureBadge(doc, component = {}) {
  const status = doc && doc.signature_status;
  if (!status) {
    return component.signature_required
      ? h('span.mf-badge.mf-sig-none', { dataset: { signature: 'none' } }, tr('Chưa có chữ ký số', 'Not signed')) : null;
  }
  const [vi, en, cls] = SIGNATURE[status] || [status, status, 'mf-sig-bad'];
  const signatures = doc.signatures || [];
  const signers = [...new Set(signatures.map((s) => s.signer).filter(Boolean))];
  const lines = signatures.map((s) => {
    const [svi, sen] = SIGNATURE[s.status] || [s.status || '', s.status || ''];
    return [s.signer || tr('(không rõ người ký)', '(unknown signer)'), tr(svi, sen),
      s.signing_time ? `${tr('ký lúc', 'signed')} ${formatTime(s.signing_time)}` : null, s.reason || null].filter(Boolean).join(' — ');
  });
  return h(`span.mf-badge.mf-sig.${cls}`, { dataset: { signature: status }, title: lines.join('\n') || null },
    tr(vi, en), signers.length ? ` · ${signers.join(', ')}` : '');
}

/** Download a version with the bearer token: a Blob, an object URL and a temporary <a download>. */
export async function download(dossierId, doc, scope) {
  try {
    const res = await api(`dossiers/${dossierId}/documents/${doc.id}/content`, { raw: true });
    const url = URL.createObjectURL(await res.blob());
    const link = h('a', { href: url, download: doc.filename || `tai-lieu-${doc.id}`, hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  } catch (error) {
    if (error.status !== 401 && scope) showDocProblem(scope, error);
  }
}

/**
 * Show a documents endpoint's problem: its title and Vietnamese detail; `errors` only where the scope has the
 * field (the others are keys for programs, not words for people). A request the network dropped (a proxy
 * closing on a large body) is said as such.
 */
export function showDocProblem(scope, error, { component = null, file = null } = {}) {
  if (!error || error.stale || error.status === 401) return null;
  if (!(error instanceof ApiError) && !error.problem) {
    const tooBig = component && file && component.max_bytes && file.size > component.max_bytes;
    return showProblem(scope, new ApiError(0, {
      title: tr('Không gửi được tệp', 'The file could not be sent'),
      detail: tooBig ? tr(`Tệp lớn hơn dung lượng tối đa của thành phần (${humanSize(component.max_bytes)}).`,
        `The file is larger than the component allows (${humanSize(component.max_bytes)}).`)
        : tr('Mất kết nối tới máy chủ; hãy thử lại.', 'The connection to the server was lost; try again.'),
    }));
  }
  const problem = { ...error.problem };
  if (problem.errors && typeof problem.errors === 'object' && !Array.isArray(problem.errors)) {
    const kept = Object.fromEntries(Object.entries(problem.errors)
      .filter(([k]) => scope.querySelector(`.mf-field[data-field="${CSS.escape(k)}"]`)));
    problem.errors = Object.keys(kept).length ? kept : undefined;
  } else if (problem.detail) {
    problem.errors = undefined;
  }
  return showProblem(scope, { problem });
}

/**
 * Where the signed-in officer attaches files on the dossier page: clerks and leaders at the desk (no step);
 * an officer only at an open step of the dossier that is theirs (claimed by them, or waiting in their unit).
 * Returns { allowed, stepId }.
 */
export function attachPoint(dossier) {
  if (!isOpen(dossier)) return { allowed: false, stepId: null };
  if (hasRole('clerk', 'leader')) return { allowed: true, stepId: null };
  if (!hasRole('officer')) return { allowed: false, stepId: null };
  const me = officer() || {};
  const units = new Set((me.units || []).map((u) => u.id));
  const steps = dossier.current_steps || [];
  const mine = steps.find((s) => s.status === 'claimed' && s.assignee && s.assignee.id === me.id)
    || steps.find((s) => s.status === 'ready' && s.unit && units.has(s.unit.id));
  return mine ? { allowed: true, stepId: mine.id } : { allowed: false, stepId: null };
}

const catalogCache = new Map();
/** The catalog entry of a procedure's version (published first, then older versions dossiers still run on). */
export async function catalogVersion(key, version) {
  for (const status of ['published', 'superseded', 'abolished']) {
    if (!catalogCache.has(status) || Date.now() - catalogCache.get(status).at > 60000) {
      catalogCache.set(status, { at: Date.now(), entries: apiAll('procedures', status === 'published' ? {} : { status }) });
    }
    const found = (await catalogCache.get(status).entries).find((e) => e.key === key && e.version === version);
    if (found) return found;
  }
  return null;
}

/** The component a step must attach before it completes (`produces` of the step's spec in the catalog), or null. */
export async function producesOf(step) {
  if (!step.dossier) return null;
  const entry = await catalogVersion(step.dossier.procedure_key, step.dossier.version).catch(() => null);
  const spec = entry && (entry.steps || []).find((s) => s.id === step.spec_id);
  return spec && spec.produces ? spec.produces : null;
}

// --- the section ----------------------------------------------------------------------------------------

function who(person) { return person ? (person.full_name || person.username) : ''; }

function componentBadges(c, produced) {
  return [
    c.required ? badge(tr('Bắt buộc', 'Required'), 'mf-badge-required') : null,
    c.result ? badge(tr('Kết quả', 'Result'), 'mf-badge-result') : null,
    c.signature_required ? badge(tr('Cần ký số', 'Signature required'), 'mf-badge-sign') : null,
    produced ? badge(tr('Bước này phải đính kèm', 'This step attaches it'), 'mf-badge-produces') : null,
  ].filter(Boolean).flatMap((b) => [' ', b]);
}

function handedIn(c) {
  if (c.result) return h('span.mf-help', tr('Cơ quan trả cho người nộp', 'Returned to the applicant'));
  if (!c.handed_in) return h('span.mf-help', { dataset: { handedIn: 'no' } }, tr('Chưa nộp', 'Not handed in'));
  const entry = c.handed_in;
  return h('span', { dataset: { handedIn: 'yes' } }, `✓ ${tr('Đã nộp', 'Handed in')}`,
    h('div.mf-help', copiesText({ copy_kind: entry.copy_kind || c.copy_kind, copies: entry.copies || c.copies })));
}

/** One version: file name, kind and size, who and when, the step, the note, the signature badge. */
function describe(doc, c, ctx) {
  const step = doc.step_id ? ctx.stepNames.get(doc.step_id) : null;
  return [
    h('div.mf-doc-file', h('strong', doc.filename), ' ', h('span.mf-help', `${(doc.kind || '').toUpperCase()} · ${humanSize(doc.size)}`)),
    h('div.mf-help', tr('Tải lên bởi ', 'Uploaded by '), who(doc.uploaded_by) || tr('hệ thống', 'the system'), ', ',
      time(doc.uploaded_at), step ? ` · ${tr('tại bước', 'at step')} “${step}”` : ''),
    doc.origin ? h('div.mf-help', tr('Dùng lại tệp đã số hoá của một hồ sơ trước.', 'Reused from an earlier dossier.')) : null,
    doc.note ? h('div.mf-help', `${tr('Ghi chú', 'Note')}: ${doc.note}`) : null,
    h('div', signatureBadge(doc, c)),
  ];
}

function deleteForm(doc, ctx, holder, restore) {
  const form = h('form.mf-form.mf-doc-delete', { dataset: { deleteFor: doc.id } },
    field(tr('Lý do xoá', 'Reason for deleting'), h('textarea', { name: 'reason', rows: 2 }), { required: true }),
    h('div.mf-actions',
      h('button.mf-danger', { type: 'submit', dataset: { confirmDelete: doc.id } }, tr('Xoá phiên bản này', 'Delete this version')),
      h('button.mf-secondary', { type: 'button', onclick: restore }, tr('Huỷ', 'Cancel'))));
  onSubmit(form, async (data) => {
    const reason = (data.get('reason') || '').trim();
    if (!reason) {
      throw new ApiError(422, { title: tr('Cần ghi lý do xoá.', 'Give a reason.'), errors: { reason: [tr('Bắt buộc.', 'Required.')] } });
    }
    await api(`dossiers/${ctx.dossierId}/documents/${doc.id}`, { method: 'DELETE', body: { reason } });
    await ctx.reload(tr(`Đã xoá “${doc.filename}” (phiên bản ${doc.version}).`, `Deleted “${doc.filename}” (version ${doc.version}).`));
  }, { problem: (target, error) => showDocProblem(target, error) });
  holder.replaceChildren(form);
  form.elements.reason.focus();
}

/**
 * Whether to offer "Xoá" on a version (the API decides; this only leaves out what it would refuse): a desk
 * document for clerks and leaders; a step's document while that step is open, to whoever may work it.
 */
function mayDelete(doc, ctx) {
  if (!ctx.canDelete || doc.deleted_at) return false;
  if (!doc.step_id) return hasRole('clerk', 'leader');
  if (doc.step_id === ctx.stepId) return true;
  const step = ctx.openSteps.get(doc.step_id);
  if (!step) return false; // a finished step's document is that step's record
  const me = officer() || {};
  const mine = (me.units || []).some((u) => step.unit && u.id === step.unit.id);
  return mine && !(step.status === 'claimed' && step.assignee && step.assignee.id !== me.id);
}

function currentFile(c, ctx) {
  const doc = c.current;
  if (!doc) return h('span.mf-help', { dataset: { current: 'none' } }, tr('Chưa có tệp', 'No file yet'));
  const actions = h('div.mf-actions');
  const fill = () => actions.replaceChildren(...[
    h('button.mf-secondary', { type: 'button', dataset: { download: doc.id }, onclick: () => download(ctx.dossierId, doc, actions) },
      tr('Tải xuống', 'Download')),
    mayDelete(doc, ctx) ? h('button.mf-secondary', { type: 'button', dataset: { delete: doc.id },
      onclick: () => deleteForm(doc, ctx, actions, fill) }, tr('Xoá', 'Delete')) : null].filter(Boolean));
  fill();
  return h('div', { dataset: { current: doc.id } }, describe(doc, c, ctx), actions);
}

function uploadForm(c, ctx) {
  const picker = filePicker({ name: 'file', accept: acceptOf(c.file_kinds), dataset: { uploadFile: c.key },
    'aria-label': tr(`Tệp cho “${c.name}”`, `File for “${c.name}”`) });
  const file = picker.input;
  const form = h('form.mf-doc-upload', { dataset: { upload: c.key } },
    h('div.mf-field', { dataset: { field: 'file' } }, picker.element),
    h('div.mf-field', { dataset: { field: 'note' } }, input('note', { placeholder: tr('Ghi chú (không bắt buộc)', 'Note (optional)'), maxlength: 2000 })),
    h('div.mf-actions', h('button', { type: 'submit', dataset: { uploadButton: c.key } },
      c.current ? tr('Tải lên bản mới', 'Upload a new version') : tr('Tải lên', 'Upload'))),
    h('div.mf-help', kindsText(c)));
  onSubmit(form, async (data) => {
    const chosen = file.files && file.files[0];
    if (!chosen) throw new ApiError(0, { title: tr('Chưa chọn tệp.', 'Choose a file first.') });
    const body = new FormData();
    body.append('file', chosen, chosen.name);
    if (ctx.stepId) body.append('step_id', String(ctx.stepId));
    const note = (data.get('note') || '').trim();
    if (note) body.append('note', note);
    const doc = await api(`dossiers/${ctx.dossierId}/components/${encodeURIComponent(c.key)}/documents`, { method: 'POST', body });
    await ctx.reload(tr(`Đã tải lên “${doc.filename}” cho “${c.name}” (phiên bản ${doc.version}).`,
      `Uploaded “${doc.filename}” to “${c.name}” (version ${doc.version}).`));
  }, { problem: (target, error) => (error.status === 0 ? showProblem(target, error)
    : showDocProblem(target, error, { component: c, file: file.files && file.files[0] })) });
  return form;
}

async function versionsTable(c, ctx) {
  if (!ctx.all) ctx.all = api(`dossiers/${ctx.dossierId}/documents`);
  const docs = (await ctx.all).filter((d) => d.component === c.key).sort((a, b) => b.version - a.version);
  if (!docs.length) return h('p.mf-help', tr('Chưa có phiên bản nào.', 'No versions yet.'));
  return h('table.mf-versions', { dataset: { versionsOf: c.key } },
    h('thead', h('tr', [tr('Phiên bản', 'Version'), tr('Tệp', 'File'), tr('Chữ ký số', 'Signature'), ''].map((t) => h('th', t)))),
    h('tbody', docs.map((doc) => h('tr', { class: doc.deleted_at ? 'mf-deleted' : null, dataset: { version: doc.version, documentId: doc.id } },
      h('td', `${tr('Phiên bản', 'Version')} ${doc.version}`, c.current && c.current.id === doc.id ? h('div', badge(tr('Hiện hành', 'Current'), 'mf-badge-current')) : null),
      h('td', h(doc.deleted_at ? 'del' : 'span', h('strong', doc.filename)), ' ',
        h('span.mf-help', `${(doc.kind || '').toUpperCase()} · ${humanSize(doc.size)}`),
        h('div.mf-help', tr('Tải lên bởi ', 'Uploaded by '), who(doc.uploaded_by), ', ', time(doc.uploaded_at),
          doc.step_id && ctx.stepNames.get(doc.step_id) ? ` · ${tr('tại bước', 'at step')} “${ctx.stepNames.get(doc.step_id)}”` : ''),
        doc.note ? h('div.mf-help', `${tr('Ghi chú', 'Note')}: ${doc.note}`) : null,
        doc.deleted_at ? h('div.mf-deleted-note', { dataset: { deletedReason: doc.id } },
          tr('Đã xoá', 'Deleted'), ' ', time(doc.deleted_at), doc.deleted_by ? ` ${tr('bởi', 'by')} ${who(doc.deleted_by)}` : '',
          doc.delete_reason ? `: ${doc.delete_reason}` : '') : null),
      h('td', signatureBadge(doc, c) || h('span.mf-help', '—')),
      h('td', h('button.mf-secondary', { type: 'button', dataset: { download: doc.id }, onclick: (e) => download(ctx.dossierId, doc, e.target.closest('td')) },
        tr('Tải xuống', 'Download')))))));
}

function versionsToggle(c, ctx, holder) {
  if (!c.versions) return h('span.mf-help', '0');
  const button = h('button.mf-link.mf-toggle', { type: 'button', dataset: { versions: c.key }, 'aria-expanded': 'false' });
  const label = () => {
    const open = ctx.expanded.has(c.key);
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? tr('Ẩn các phiên bản', 'Hide versions') : tr(`Xem ${c.versions} phiên bản`, `Show ${c.versions} versions`);
  };
  const show = async () => {
    label();
    if (!ctx.expanded.has(c.key)) { holder.hidden = true; holder.replaceChildren(); return; }
    holder.hidden = false;
    holder.replaceChildren(h('p.mf-help', tr('Đang tải…', 'Loading…')));
    try { holder.replaceChildren(await versionsTable(c, ctx)); } catch (error) { showDocProblem(holder, error); }
  };
  button.addEventListener('click', () => {
    if (ctx.expanded.has(c.key)) ctx.expanded.delete(c.key); else ctx.expanded.add(c.key);
    show();
  });
  show();
  return h('span', h('span', { dataset: { versionCount: c.key } }, String(c.versions)), ' · ', button);
}

/** The component a step must attach, on its own card above the list: its file and its upload control. */
function producedCard(c, ctx) {
  const versions = h('div.mf-doc-versions', { hidden: true });
  return h('section.mf-card.mf-produces', { id: 'step-produces', dataset: { component: c.key } },
    h('h2', tr('Bước này phải đính kèm: ', 'This step must attach: '), h('span', { id: 'step-produces-name' }, c.name), componentBadges(c, false)),
    h('p.mf-help', tr('Hoàn thành bước chỉ được khi đã có tệp', 'The step completes only once it has the file'),
      c.signature_required ? tr(' có chữ ký số hợp lệ, được tin cậy.', ' with a valid, trusted digital signature.') : '.'),
    h('div.mf-grid',
      h('div', h('h3', tr('Tệp hiện tại', 'Current file')), currentFile(c, ctx), h('div', tr('Phiên bản: ', 'Versions: '), versionsToggle(c, ctx, versions))),
      ctx.canUpload ? h('div', h('h3', c.current ? tr('Thay bằng tệp mới', 'Replace with a new file') : tr('Đính kèm tệp', 'Attach the file')), uploadForm(c, ctx)) : null),
    versions);
}

function componentRows(c, ctx) {
  const versions = h('div.mf-doc-versions', { hidden: true });
  const columns = ctx.canUpload ? 5 : 4;
  return [
    h('tr', { dataset: { component: c.key } },
      h('td', h('strong', c.name), componentBadges(c, false), h('div.mf-help', copiesText(c))),
      h('td', handedIn(c)),
      h('td', currentFile(c, ctx)),
      h('td', versionsToggle(c, ctx, versions)),
      ctx.canUpload ? h('td', uploadForm(c, ctx)) : null),
    h('tr.mf-versions-row', { dataset: { versionsRow: c.key } }, h('td', { colSpan: columns }, versions)),
  ];
}

/**
 * The "Thành phần hồ sơ" section of a dossier: loads `GET /dossiers/{id}/components` and renders each component.
 * `dossier`: the DossierOut (status, steps, the reception checklist). Options: `stepId` (uploads at that step;
 * officers must send it), `canUpload`, `canDelete`, `produces` (a component shown on its own card, left out of
 * the list), `onChange` (after an upload or a delete).
 */
export function documentsSection(dossier, { stepId = null, canUpload = false, canDelete = false, produces = null, onChange = null, id = 'dossier-components' } = {}) {
  const status = h('div.mf-doc-messages', { role: 'status' });
  const body = h('div', h('p.mf-help', tr('Đang tải…', 'Loading…')));
  const section = h('section.mf-doc-section', { id }, status, body);
  const steps = [...(dossier.past_steps || []), ...(dossier.current_steps || [])];
  const ctx = {
    dossierId: dossier.id, stepId, canUpload: canUpload && isOpen(dossier), canDelete: canDelete && isOpen(dossier),
    expanded: new Set(), all: null, stepNames: new Map(steps.map((s) => [s.id, s.name])),
    openSteps: new Map((dossier.current_steps || []).filter((s) => ['ready', 'claimed'].includes(s.status)).map((s) => [s.id, s])),
  };
  const load = async (message = null) => {
    ctx.all = null;
    const components = await api(`dossiers/${dossier.id}/components`);
    const produced = produces ? components.find((c) => c.key === produces) : null;
    const listed = components.filter((c) => c !== produced);
    const others = (dossier.documents || []).filter((entry) => !entry.component);
    body.replaceChildren(...[
      produced ? producedCard(produced, ctx) : null,
      produced ? h('h3', tr('Các thành phần khác', 'Other components')) : null,
      h('table.mf-components', h('thead', h('tr',
        [tr('Thành phần', 'Component'), tr('Tiếp nhận', 'Handed in'), tr('Tệp hiện tại', 'Current file'), tr('Phiên bản', 'Versions'),
          ctx.canUpload ? tr('Tải lên', 'Upload') : null].filter(Boolean).map((t) => h('th', t)))),
      h('tbody', listed.flatMap((c) => componentRows(c, ctx)))),
      others.length ? h('div.mf-help', { id: 'other-papers' }, tr('Giấy tờ khác đã nộp khi tiếp nhận: ', 'Other papers handed in: '),
        others.map((p) => `${p.name} (${copiesText(p)})`).join('; ')) : null,
      ctx.canUpload ? null : h('p.mf-help', isOpen(dossier)
        ? tr('Tệp được đính kèm tại bước đang xử lý của hồ sơ (mở bước từ danh sách việc).', 'Files are attached at the step being worked (open it from the inbox).')
        : tr('Hồ sơ đã kết thúc: không thay đổi tài liệu được.', 'The dossier is closed: its documents no longer change.')),
    ].filter(Boolean));
    if (message) showOk(status, message); else clearProblems(status);
    return components;
  };
  ctx.reload = async (message) => { await load(message); if (onChange) await onChange(); };
  section.ready = load().catch((error) => {
    body.replaceChildren();
    showDocProblem(body, error);
    return null;
  });
  return section;
}
