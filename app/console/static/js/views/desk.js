// The one-stop desk's forms on a dossier page: the request to supplement (Mẫu 02) — issued, listed, printed and
// answered once the missing papers are uploaded —, the apology with the new appointment (Mẫu 04) of an extended
// dossier and the notice that handling stopped (Mẫu 05), both printed.
import { api, ApiError, hasRole } from '../api.js';
import { tr } from '../i18n.js';
import { badge, field, h, onSubmit, showOk, showProblem, time } from '../ui.js';
import { attachPoint, isOpen, showDocProblem } from './documents.js';
import { openHtml, openPdf } from './officer.js';

/** Who issues and answers form 02 (the API decides): clerks and leaders at the desk, officers working the dossier. */
export function mayAsk(dossier) {
  if (hasRole('clerk', 'leader')) return true;
  return hasRole('officer') && attachPoint(dossier).allowed;
}

/** Form 02 can be issued on an open dossier that is neither waiting already nor broken. */
const askable = (dossier) => isOpen(dossier) && !['paused', 'incident'].includes(dossier.status);

/** What the applicant supplements: neither a result nor a paper a step of the procedure makes. */
const supplied = (components) => (components || []).filter((c) => !c.result && !(c.produced_at || []).length);

const who = (person) => (person ? (person.full_name || person.username || '') : '');

/** The component's file came after the request (the API's rule: uploaded at or after `requested_at`). */
function receivedSince(component, request) {
  const doc = component && component.current;
  return !!doc && new Date(doc.uploaded_at).getTime() >= new Date(request.requested_at).getTime();
}

/** Bring the documents section's rows of `keys` to the user's eye (the upload controls are there). */
function pointAtComponents(keys) {
  const rows = keys.map((k) => document.querySelector(`#dossier-components tr[data-component="${CSS.escape(k)}"]`)).filter(Boolean);
  document.querySelectorAll('#dossier-components tr.mf-attention').forEach((row) => row.classList.remove('mf-attention'));
  rows.forEach((row) => row.classList.add('mf-attention'));
  const target = rows[0] || document.getElementById('dossier-components');
  if (target) target.scrollIntoView({ block: 'center', behavior: 'smooth' });
}

function printButton(label, path, scope, attrs = {}) {
  return h('span.mf-print', h('button.mf-secondary', { type: 'button', ...attrs, onclick: () => openHtml(path, scope) }, label),
    ' ', h('button.mf-secondary', { type: 'button', title: tr('Tải bản PDF (lưu vào hồ sơ)', 'PDF (kept with the dossier)'),
      dataset: { pdf: path }, onclick: () => openPdf(path, scope) }, 'PDF'));
}

/** The printable forms 04 and 05, when the dossier has the event they print. */
function eventForms(dossier, scope) {
  const rows = [];
  if (dossier.extension) {
    const ext = dossier.extension;
    rows.push(h('div.mf-desk-event', { id: 'desk-extension' },
      printButton(tr('Phiếu xin lỗi và hẹn lại (Mẫu 04)', 'Apology and new appointment (form 04)'),
        `dossiers/${dossier.id}/apology`, scope, { id: 'print-apology' }),
      h('span.mf-help', tr('Đã gia hạn: hẹn trả ', 'Extended: due '), time(ext.new_due_at),
        ext.previous_due_at ? [tr(' (thay cho ', ' (instead of '), time(ext.previous_due_at), ')'] : '',
        ext.reason ? ` — ${ext.reason}` : '')));
  }
  if (dossier.status === 'stopped') {
    rows.push(h('div.mf-desk-event', { id: 'desk-stop' },
      printButton(tr('Thông báo dừng xử lý (Mẫu 05)', 'Notice of stopped handling (form 05)'),
        `dossiers/${dossier.id}/stop-notice`, scope, { id: 'print-stop-notice' }),
      h('span.mf-help', tr('Đã dừng xử lý ', 'Stopped '), time(dossier.closed_at), dossier.close_reason ? ` — ${dossier.close_reason}` : '')));
  }
  return rows.length ? h('div.mf-card.mf-desk-events', rows) : null;
}

/** The answer of an open request: an optional note; a 422 names the components still missing. */
function answerForm(dossier, request, reload) {
  const keys = (request.components || []).map((c) => c.key);
  const form = h('form.mf-desk-answer', { dataset: { answer: request.id } },
    h('div.mf-field', { dataset: { field: 'note' } },
      h('input', { type: 'text', name: 'note', maxlength: 2000, placeholder: tr('Ghi chú khi nhận (không bắt buộc)', 'Note (optional)'),
        'aria-label': tr('Ghi chú khi nhận bổ sung', 'Note on the supplement') })),
    h('div.mf-actions', h('button', { type: 'submit', dataset: { answerButton: request.id } }, tr('Nhận bổ sung', 'Take the supplement'))),
    keys.length ? h('p.mf-help', tr('Các giấy tờ còn thiếu được tải lên ở mục “Thành phần hồ sơ” phía trên; nhận bổ sung khi đã đủ, hồ sơ tiếp tục được giải quyết.',
      'Upload the missing papers in the “Documents” section above; once all are there, take the supplement and the dossier resumes.'),
    ' ', h('button.mf-link', { type: 'button', onclick: () => pointAtComponents(keys) }, tr('Đến mục “Thành phần hồ sơ”', 'Go to “Documents”')))
      : h('p.mf-help', tr('Nhận bổ sung khi người nộp đã bổ sung, hoàn thiện các nội dung trên; hồ sơ tiếp tục được giải quyết.',
        'Take the supplement once the applicant has completed the items above; the dossier resumes.')));
  onSubmit(form, async (data) => {
    const note = (data.get('note') || '').trim();
    await api(`dossiers/${dossier.id}/supplement-requests/${request.id}/answer`, { method: 'POST', body: note ? { note } : {} });
    await reload(tr(`Đã nhận bổ sung theo phiếu số ${request.number}; hồ sơ tiếp tục được giải quyết.`,
      `Supplement of request ${request.number} taken; the dossier resumes.`));
  }, { problem: (target, error) => {
    const problem = { ...(error.problem || {}) };
    if (problem.code === 'supplement_incomplete') {
      const missing = ((problem.errors && problem.errors.components) || []);
      const names = missing.map((k) => ((request.components || []).find((c) => c.key === k) || {}).name || k);
      const box = showProblem(target, new ApiError(error.status, { ...problem,
        title: tr('Chưa nhận đủ phần bổ sung.', 'The supplement is not complete.'),
        detail: tr('Còn thiếu:', 'Still missing:'), errors: names }));
      if (box) {
        box.dataset.missing = missing.join(' ');
        box.append(h('div', tr('Tải các giấy tờ này lên ở mục “Thành phần hồ sơ” phía trên. ', 'Upload them in the “Documents” section above. '),
          h('button.mf-link', { type: 'button', onclick: () => pointAtComponents(missing) }, tr('Đến mục “Thành phần hồ sơ”', 'Go to “Documents”'))));
      }
      document.querySelectorAll('#dossier-components tr.mf-attention').forEach((row) => row.classList.remove('mf-attention'));
      missing.forEach((k) => {
        const row = document.querySelector(`#dossier-components tr[data-component="${CSS.escape(k)}"]`);
        if (row) row.classList.add('mf-attention');
      });
    } else {
      showDocProblem(target, error);
    }
  } });
  return form;
}

/** One request: number, when and by whom, what is missing (with what came since), answered or not. */
function requestCard(dossier, request, components, ctx) {
  const open = !request.answered_at;
  const byKey = new Map((components || []).map((c) => [c.key, c]));
  const asked = request.components || [];
  const items = request.items || [];
  return h(`article.mf-card.mf-supplement.${open ? 'mf-supplement-open' : 'mf-supplement-answered'}`,
    { dataset: { request: request.id, state: open ? 'open' : 'answered' } },
    h('div.mf-supplement-head',
      h('strong', tr('Phiếu số ', 'Request no. '), h('span', { dataset: { requestNumber: request.id } }, request.number)),
      h('span.mf-help', ' · ', time(request.requested_at), request.requested_by ? ` · ${tr('người yêu cầu', 'by')} ${who(request.requested_by)}` : ''),
      ' ', open ? badge(tr('Đang chờ bổ sung', 'Waiting for the supplement'), 'mf-badge-waiting')
        : badge(tr('Đã nhận bổ sung', 'Supplemented'), 'mf-badge-answered')),
    h('div.mf-supplement-body',
      asked.length ? h('div', h('div', tr('Thành phần cần bổ sung:', 'Components to supplement:')),
        h('ul.mf-supplement-list', asked.map((c) => {
          const came = open && receivedSince(byKey.get(c.key), request);
          return h('li', { dataset: { missingComponent: c.key, received: open ? String(came) : null } }, c.name,
            open ? h('span.mf-help', came ? tr(' — ✓ đã tải lên sau khi yêu cầu', ' — ✓ uploaded since the request')
              : tr(' — chưa có tệp mới', ' — no new file yet')) : null);
        }))) : null,
      items.length ? h('div', h('div', tr('Nội dung khác cần bổ sung, hoàn thiện:', 'Other items:')),
        h('ul.mf-supplement-list', items.map((text) => h('li', text)))) : null,
      request.reason ? h('div', tr('Lý do: ', 'Reason: '), request.reason) : null,
      open ? null : h('div.mf-help', { dataset: { answered: request.id } }, tr('Nhận bổ sung ', 'Supplemented '), time(request.answered_at),
        request.answered_by ? ` ${tr('bởi', 'by')} ${who(request.answered_by)}` : '', request.answer_note ? ` — ${request.answer_note}` : '')),
    h('div.mf-actions',
      printButton(tr('In phiếu (Mẫu 02)', 'Print (form 02)'), `dossiers/${dossier.id}/supplement-requests/${request.id}`, ctx.messages,
        { dataset: { print: request.id } })),
    open && ctx.canAnswer ? answerForm(dossier, request, ctx.reload) : null);
}

/** Form 02: a checkbox per component the applicant hands in, other items one per line, the reason. */
function requestForm(dossier, components, reload) {
  const offered = supplied(components);
  const form = h('form.mf-form.mf-card.mf-desk-request', { id: 'supplement-form' },
    h('h3', tr('Yêu cầu bổ sung hồ sơ (Mẫu 02)', 'Request to supplement the dossier (form 02)')),
    h('p.mf-help', tr('Gửi phiếu thì hồ sơ tạm dừng; thời gian chờ bổ sung không tính vào thời hạn giải quyết.',
      'Issuing the request pauses the dossier; the time waiting does not count against its deadline.')),
    offered.length ? h('fieldset.mf-field', { dataset: { field: 'components' } },
      h('legend', tr('Thành phần hồ sơ cần bổ sung', 'Components to supplement')),
      h('div.mf-desk-checks', offered.map((c) => h('label.mf-desk-check',
        h('input', { type: 'checkbox', name: 'components', value: c.key, dataset: { supplementComponent: c.key } }),
        ' ', c.name, ' ', h('span.mf-help', c.current ? tr('(đã có tệp)', '(has a file)') : tr('(chưa có tệp)', '(no file yet)')))))) : null,
    field(tr('Nội dung khác cần bổ sung, hoàn thiện', 'Other items to supplement or correct'),
      h('textarea', { name: 'items', rows: 3 }), { help: tr('Mỗi dòng một nội dung.', 'One item per line.') }),
    field(tr('Lý do', 'Reason'), h('textarea', { name: 'reason', rows: 2, maxlength: 2000 }), { required: true }),
    h('div.mf-actions', h('button', { type: 'submit', id: 'supplement-submit' }, tr('Gửi phiếu yêu cầu bổ sung', 'Issue the request'))));
  onSubmit(form, async (data) => {
    const reason = (data.get('reason') || '').trim();
    if (!reason) {
      throw new ApiError(422, { title: tr('Cần ghi lý do yêu cầu bổ sung.', 'Give the reason.'), errors: { reason: [tr('Bắt buộc.', 'Required.')] } });
    }
    const body = { components: data.getAll('components'), reason,
      items: String(data.get('items') || '').split('\n').map((line) => line.trim()).filter(Boolean) };
    const made = await api(`dossiers/${dossier.id}/supplement-requests`, { method: 'POST', body });
    await reload(tr(`Đã gửi phiếu yêu cầu bổ sung số ${made.number}; hồ sơ tạm dừng chờ bổ sung.`,
      `Request to supplement no. ${made.number} issued; the dossier is paused until the supplement comes.`));
  }, { problem: (target, error) => {
    if (error.problem && error.problem.errors) showDocProblem(target, error); else showProblem(target, error);
  } });
  return form;
}

/**
 * The "Phiếu của bộ phận một cửa" section of a dossier page. `reload(message)` re-renders the page (the dossier's
 * status changes with form 02); `notice`: a message to show once loaded. Returns the section, with `refresh()`
 * (after the documents section changed: what came since a request) and `ready`.
 */
export function deskSection(dossier, { reload, notice = null } = {}) {
  const messages = h('div.mf-desk-messages', { id: 'desk-messages', role: 'status' });
  const body = h('div', h('p.mf-help', tr('Đang tải…', 'Loading…')));
  const section = h('section.mf-desk', { id: 'desk-forms' }, messages, body);
  const ctx = { messages, reload, canAnswer: mayAsk(dossier) && dossier.status === 'paused' };
  const load = async () => {
    const [requests, components] = await Promise.all([
      api(`dossiers/${dossier.id}/supplement-requests`),
      api(`dossiers/${dossier.id}/components`).catch((e) => { if (e.status === 401 || e.stale) throw e; return []; })]);
    const waiting = requests.some((r) => !r.answered_at);
    body.replaceChildren(...[
      eventForms(dossier, messages),
      h('h3', tr('Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)', 'Requests to supplement (form 02)')),
      requests.length ? h('div.mf-supplements', { id: 'supplement-requests' }, [...requests].reverse().map((r) => requestCard(dossier, r, components, ctx)))
        : h('p.mf-help', { id: 'supplement-requests' }, tr('Chưa có phiếu yêu cầu bổ sung nào.', 'No request to supplement yet.')),
      askable(dossier) && !waiting && mayAsk(dossier) ? requestForm(dossier, components, reload) : null,
      dossier.status === 'paused' && !waiting ? h('p.mf-help', tr('Hồ sơ đang tạm dừng (không theo phiếu yêu cầu bổ sung).', 'The dossier is paused (not by a request to supplement).')) : null,
    ].filter(Boolean));
  };
  section.refresh = () => load().catch((error) => { if (!error.stale && error.status !== 401) showProblem(messages, error); });
  section.ready = load().then(() => {
    if (notice) {
      showOk(messages, notice);
      section.scrollIntoView({ block: 'start' });
    }
  }).catch((error) => {
    body.replaceChildren();
    if (!error.stale && error.status !== 401) showProblem(messages, error);
  });
  return section;
}
