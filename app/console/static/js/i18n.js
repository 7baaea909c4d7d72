// Vietnamese first; English when chosen with the toggle or, by default, when the browser prefers it.
const KEY = 'mf-lang';

export function lang() {
  const chosen = localStorage.getItem(KEY);
  if (chosen === 'vi' || chosen === 'en') return chosen;
  return (navigator.language || 'vi').toLowerCase().startsWith('vi') ? 'vi' : (navigator.language ? 'en' : 'vi');
}

export function setLang(value) { localStorage.setItem(KEY, value); document.documentElement.lang = value; }

/** tr('Vietnamese', 'English'): the text in the console's language. */
export function tr(vi, en) { return lang() === 'en' && en ? en : vi; }

export function formatTime(value) {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return d.toLocaleString(lang() === 'en' ? 'en-GB' : 'vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' });
}
