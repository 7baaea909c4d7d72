// Router and navigation of the console (hash routes, one view at a time).
import { auth, hasRole, logout, officer } from './api.js';
import { lang, setLang, tr } from './i18n.js';
import { h, newPage, page, showProblem } from './ui.js';
import { loginView } from './views/login.js';
import { catalogView, editorView, versionView } from './views/designer.js';
import { calendarView, noticeTemplatesView, orgView } from './views/admin.js';
import { inboxView, notificationsView, receptionView, taskView } from './views/officer.js';
import { dossierView, dossiersView } from './views/dossier.js';
import { reportsView } from './views/leader.js';

const ROUTES = [
  [/^#\/login$/, loginView, true],
  [/^#\/catalog$/, catalogView],
  [/^#\/editor\/new$/, () => editorView(null, null)],
  [/^#\/editor\/([^/]+)\/(\d+)$/, (m) => editorView(decodeURIComponent(m[1]), Number(m[2]))],
  [/^#\/definitions\/([^/]+)\/(\d+)$/, (m) => versionView(decodeURIComponent(m[1]), Number(m[2]))],
  [/^#\/org$/, orgView],
  [/^#\/calendar$/, calendarView],
  [/^#\/notice-templates$/, noticeTemplatesView],
  [/^#\/inbox$/, inboxView],
  [/^#\/tasks\/(\d+)$/, (m) => taskView(Number(m[1]))],
  [/^#\/reception$/, receptionView],
  [/^#\/dossiers$/, dossiersView],
  [/^#\/dossiers\/(\d+)$/, (m) => dossierView(Number(m[1]))],
  [/^#\/notifications$/, notificationsView],
  [/^#\/reports$/, reportsView],
];

function navItems() {
  const items = [];
  if (hasRole('admin', 'designer', 'leader', 'auditor', 'clerk')) items.push(['#/catalog', tr('Danh mục quy trình', 'Procedures')]);
  if (hasRole('designer', 'admin')) items.push(['#/editor/new', tr('Vẽ quy trình mới', 'New diagram')]);
  if (hasRole('officer', 'leader', 'clerk', 'admin', 'auditor')) items.push(['#/inbox', tr('Việc cần xử lý', 'Inbox')]);
  if (hasRole('clerk')) items.push(['#/reception', tr('Tiếp nhận hồ sơ', 'Receive a dossier')]);
  if (hasRole('officer', 'leader', 'clerk', 'admin', 'auditor')) items.push(['#/dossiers', tr('Hồ sơ', 'Dossiers')]);
  if (hasRole('leader', 'admin', 'auditor')) items.push(['#/reports', tr('Báo cáo, quá hạn', 'Reports, overdue')]);
  if (hasRole('admin')) {
    items.push(['#/org', tr('Tổ chức', 'Organisation')], ['#/calendar', tr('Lịch làm việc', 'Calendar')],
      ['#/notice-templates', tr('Mẫu thông báo', 'Notice templates')]);
  }
  items.push(['#/notifications', tr('Thông báo', 'Notifications')]);
  return items;
}

function home() {
  if (hasRole('designer', 'admin')) return '#/catalog';
  if (hasRole('leader')) return '#/reports';
  return '#/inbox';
}

function header() {
  const me = officer();
  const nav = document.getElementById('mf-nav');
  nav.replaceChildren(...(me ? navItems().map(([href, label]) => h('a', { href, class: location.hash.startsWith(href) ? 'active' : null }, label)) : []));
  document.getElementById('mf-whoami').textContent = me ? `${me.full_name} (${me.username})` : '';
  const out = document.getElementById('mf-logout');
  out.hidden = !me;
  out.textContent = tr('Đăng xuất', 'Sign out');
  document.getElementById('mf-lang').textContent = lang() === 'vi' ? 'English' : 'Tiếng Việt';
  document.documentElement.lang = lang();
}

async function route() {
  const hash = location.hash || '#/';
  if (!auth() && !hash.startsWith('#/login')) {
    if (hash !== '#/') sessionStorage.setItem('mf-next', hash);
    location.hash = '#/login';
    return;
  }
  if (hash === '#/' || hash === '#') { location.hash = home(); return; }
  header();
  newPage(); // a view still loading for the previous route can no longer render
  const render = page();
  for (const [pattern, viewFn] of ROUTES) {
    const match = hash.split('?')[0].match(pattern);
    if (match) {
      try { await viewFn(match); } catch (error) {
        if ((error && (error.status === 401 || error.stale)) || !render.live()) return;
        const box = h('div');
        render(box);
        showProblem(box, error);
      }
      if (render.live()) document.getElementById('mf-view').focus({ preventScroll: true });
      return;
    }
  }
  render(h('h1', tr('Không tìm thấy trang', 'Page not found')), h('a', { href: '#/' }, tr('Về trang chính', 'Home')));
}

document.getElementById('mf-lang').addEventListener('click', () => { setLang(lang() === 'vi' ? 'en' : 'vi'); route(); });
document.getElementById('mf-logout').addEventListener('click', async () => { await logout(); location.hash = '#/login'; });
window.addEventListener('hashchange', route);
route();
