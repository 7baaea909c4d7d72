import { login, takeNext } from '../api.js';
import { tr } from '../i18n.js';
import { field, h, input, onSubmit, page } from '../ui.js';

export function loginView() {
  const render = page();
  const form = h('form.mf-form.mf-card', { id: 'login-form' },
    field(tr('Tên đăng nhập', 'Username'), input('username', { autocomplete: 'username', autofocus: true }), { required: true }),
    field(tr('Mật khẩu', 'Password'), input('password', { type: 'password', autocomplete: 'current-password' }), { required: true }),
    h('div.mf-actions', h('button', { type: 'submit' }, tr('Đăng nhập', 'Sign in'))));
  const pending = sessionStorage.getItem('mf-next');
  render(h('h1', tr('Đăng nhập', 'Sign in')),
    pending ? h('p.mf-notice', tr('Phiên làm việc đã hết. Đăng nhập lại để tiếp tục; nội dung đang nhập được giữ lại.',
      'Your session ended. Sign in again to continue; what you were typing is kept.')) : null,
    form,
    h('p.mf-help', tr('API vẫn dùng được trực tiếp: ', 'The API works on its own too: '), h('a', { href: '/api/v1/docs' }, '/api/v1/docs')));
  onSubmit(form, async (data) => {
    await login(data.get('username'), data.get('password'));
    location.hash = takeNext();
  });
}
