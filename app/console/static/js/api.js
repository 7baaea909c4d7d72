// The API client: bearer token in sessionStorage, one refresh on token_expired, problem+json as ApiError.
import { lang } from './i18n.js';

const AUTH = 'mf-auth';
const NEXT = 'mf-next';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function auth() {
  try { return JSON.parse(sessionStorage.getItem(AUTH)); } catch { return null; }
}

export function setAuth(value) {
  if (value) sessionStorage.setItem(AUTH, JSON.stringify(value)); else sessionStorage.removeItem(AUTH);
}

export function officer() { return (auth() || {}).officer || null; }

export function hasRole(...roles) {
  const me = officer();
  return !!me && roles.some((r) => (me.roles || []).includes(r));
}

let refreshing = null;

/**
 * Get a new access token after `expired` was refused as expired. Calls that fail together share one
 * refresh; a call whose token was already replaced (another call refreshed while it was on the way) just
 * retries with the new one, so a login is refreshed once, not once per call (each refresh rotates the
 * refresh token).
 */
async function refresh(expired) {
  const current = auth();
  if (!current || !current.refresh_token) return false;
  if (current.access_token !== expired) return true;
  if (!refreshing) {
    refreshing = fetch('/api/v1/auth/refresh', {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'Accept-Language': lang() },
      body: JSON.stringify({ refresh_token: current.refresh_token }),
    }).then(async (res) => {
      if (!res.ok) return false;
      const body = await res.json();
      setAuth({ ...current, ...body, officer: body.officer || current.officer });
      return true;
    }).catch(() => false).finally(() => { refreshing = null; });
  }
  return refreshing;
}

/** Back to the login page; forms keep their drafts in sessionStorage and are restored after login. */
export function toLogin() {
  window.dispatchEvent(new Event('mf-save-drafts'));
  const here = location.hash || '#/';
  if (!here.startsWith('#/login')) sessionStorage.setItem(NEXT, here);
  setAuth(null);
  location.hash = '#/login';
}

export function takeNext() {
  const next = sessionStorage.getItem(NEXT);
  sessionStorage.removeItem(NEXT);
  return next && !next.startsWith('#/login') ? next : '#/';
}

/**
 * Call the API. `body`: an object (JSON), a string (BPMN XML) or a FormData (multipart: files). Returns JSON, text,
 * or the Response (`raw`). Throws ApiError with the problem details on any non-2xx.
 */
export async function api(path, opts = {}) {
  const { method = 'GET', body, query, raw = false, retry = true, contentType } = opts;
  const headers = { 'Accept-Language': lang(), ...(opts.headers || {}) };
  const current = auth();
  if (current && current.access_token) headers.Authorization = `Bearer ${current.access_token}`;
  let payload;
  if (body !== undefined) {
    if (body instanceof FormData) payload = body; // the browser writes the multipart Content-Type and boundary
    else if (typeof body === 'string') { payload = body; headers['Content-Type'] = contentType || 'application/xml'; }
    else { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
  }
  let url = path.startsWith('/') ? path : `/api/v1/${path}`;
  if (query) {
    const params = new URLSearchParams();
    Object.entries(query).forEach(([k, v]) => { if (v !== undefined && v !== null && v !== '') params.set(k, v); });
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  const res = await fetch(url, { method, headers, body: payload });
  if (res.status === 401 && current) {
    const problem = await res.clone().json().catch(() => ({}));
    if (retry && problem.code === 'token_expired' && await refresh(current.access_token)) return api(path, { ...opts, retry: false });
    toLogin();
    throw new ApiError(401, problem);
  }
  if (!res.ok) {
    const problem = await res.json().catch(() => ({ title: res.statusText, status: res.status }));
    throw new ApiError(res.status, problem);
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  return type.includes('json') ? res.json() : res.text();
}

/** All pages of a paginated list (bounded). */
export async function apiAll(path, query = {}, maxPages = 10) {
  const items = [];
  for (let page = 1; page <= maxPages; page += 1) {
    const res = await api(path, { query: { ...query, page, page_size: 100 }, raw: true });
    const batch = await res.json();
    items.push(...batch);
    const info = JSON.parse(res.headers.get('X-Pagination') || '{}');
    if (!info.next_page) break;
  }
  return items;
}

export async function login(username, password) {
  const res = await fetch('/api/v1/auth/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'Accept-Language': lang() },
    body: JSON.stringify({ username, password }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body);
  setAuth(body);
  return body;
}

export async function logout() {
  try { await api('auth/logout', { method: 'POST' }); } catch { /* the token may already be gone */ }
  setAuth(null);
}

let spec = null;
/** The OpenAPI document, to offer only the actions the running API has. */
export async function openapi() {
  if (!spec) spec = fetch('/api/v1/openapi.json').then((r) => r.json()).catch(() => ({ paths: {} }));
  return spec;
}

export async function hasPath(path, method = 'post') {
  const doc = await openapi();
  return !!(doc.paths && doc.paths[path] && doc.paths[path][method]);
}

let offset = null;
/** Milliseconds to add to the browser's clock to get the server's (the service may run on another clock). */
export async function clockOffset() {
  if (offset === null) {
    offset = api('health').then((h) => (h && h.time ? new Date(h.time).getTime() - Date.now() : 0)).catch(() => 0);
  }
  return offset;
}
