"""Pages run script from files only: no inline ``<script>``, ``on…=`` handler or ``javascript:`` URL anywhere the
page CSP applies, and ``script-src`` has no ``'unsafe-inline'`` (issue #25)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD

CONSOLE_JS = Path(__file__).resolve().parents[2] / "app" / "console" / "static" / "js"

_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
_SCRIPT_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
#: Types a browser runs; anything else (``application/json``) is data, which the CSP lets through.
_EXECUTABLE_TYPES = {"", "module", "text/javascript", "application/javascript", "text/ecmascript",
                     "application/ecmascript", "text/jscript", "text/livescript"}
_HANDLER_IN_TAG = re.compile(r"<[a-z][^<>]*?\son[a-z]+\s*=", re.IGNORECASE)
_JS_URL = re.compile(r"javascript\s*:", re.IGNORECASE)
#: In the console's scripts: handlers as markup or attributes, markup from strings, strings run as code.
_JS_FORBIDDEN = {
    "an on… attribute set by name": re.compile(r"""setAttribute(?:NS)?\(\s*(?:[^,()]+,\s*)?['"`]on""", re.IGNORECASE),
    "markup with an on… handler": _HANDLER_IN_TAG,
    "a javascript: URL": _JS_URL,
    "markup parsed from a string (build nodes with ui.h)": re.compile(
        r"\.(?:innerHTML|outerHTML)\s*\+?=|insertAdjacentHTML\(|document\.write(?:ln)?\(|createContextualFragment\("),
    "a string run as code": re.compile(r"\beval\(|\bnew\s+Function\(|\bset(?:Timeout|Interval)\(\s*['\"`]"),
}


def inline_script_problems(html: str) -> list[str]:
    """What in ``html`` (a template's source or a rendered page) the page CSP would refuse to run."""
    problems = []
    for match in _SCRIPT_TAG.finditer(html):
        attributes = match.group(1)
        kind = _SCRIPT_TYPE.search(attributes)
        kind = kind.group(1).lower() if kind else ""
        if not re.search(r"\bsrc\s*=", attributes, re.IGNORECASE) and kind in _EXECUTABLE_TYPES:
            problems.append(f"inline <script{attributes}>")
    problems += [f"inline handler: {m.group(0)[-60:]!r}" for m in _HANDLER_IN_TAG.finditer(html)]
    problems += [f"javascript: URL near {html[max(m.start() - 40, 0):m.end()]!r}" for m in _JS_URL.finditer(html)]
    return problems


def script_src(policy: str) -> list[str]:
    """The sources of the ``script-src`` directive (``default-src`` when there is none)."""
    directives = {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}
    return directives.get("script-src", directives.get("default-src", []))


# --- the scanners themselves ------------------------------------------------------------------------------

@pytest.mark.parametrize("html", [
    "<script>start()</script>",
    "<SCRIPT type='text/javascript'>x()</SCRIPT>",
    '<script type="module">import "./a.js"</script>',
    '<button type="button" onclick="go()">Go</button>',
    '<body\n  onload="init()">',
    '<svg><rect onmouseover = "x()"/></svg>',
    '<a href="JavaScript:void(0)">x</a>',
])
def test_scanner_finds_inline_script(html):
    assert inline_script_problems(html)


@pytest.mark.parametrize("html", [
    '<script src="/console/static/js/main.js"></script>',
    '<script type="module" src="{{ url_for(\'console.static_file\', filename=\'js/main.js\') }}"></script>',
    '<script type="application/json" id="config">{"url": "/api/v1/openapi.json"}</script>',
    '<meta name="viewport" content="width=device-width">',
    '<p>Nội dung (content="x") là văn bản, not on="x" markup</p>',
])
def test_scanner_lets_files_and_data_through(html):
    assert inline_script_problems(html) == []


def test_script_src_is_read_from_the_policy():
    assert script_src("default-src 'self'; script-src 'self' 'unsafe-inline'") == ["'self'", "'unsafe-inline'"]
    assert script_src("default-src 'none'") == ["'none'"]


# --- the code -------------------------------------------------------------------------------------------

def test_no_template_runs_inline_script(app):
    """Every template the app can render, as the app's loader resolves it (an override wins over a package's)."""
    env = app.jinja_env
    found = {}
    for name in env.list_templates():
        if not name.endswith((".html", ".htm", ".svg", ".xml", ".j2", ".jinja")):
            continue
        source, filename, _ = env.loader.get_source(env, name)
        if problems := inline_script_problems(source):
            found[filename or name] = problems
    assert not found, found


def test_console_scripts_build_no_inline_handlers():
    scripts = sorted(CONSOLE_JS.rglob("*.js"))
    assert scripts, CONSOLE_JS
    found = []
    for path in scripts:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            found += [f"{path.relative_to(CONSOLE_JS)}:{number}: {what}: {line.strip()}"
                      for what, pattern in _JS_FORBIDDEN.items() if pattern.search(line)]
    assert not found, "\n".join(found)


# --- the pages as served ---------------------------------------------------------------------------------

@pytest.fixture()
def html_pages(demo, client, auth):
    """Every kind of HTML page the service serves, fetched as its users fetch it."""
    def bearer(username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        r = client.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert r.status_code == 200, r.get_json()
        return {"Authorization": f"Bearer {r.get_json()['access_token']}"}

    clerk = bearer("na.hn.motcua")
    r = client.post("/api/v1/procedures/na_khau_tru_kinh_phi_boi_thuong/dossiers", headers=clerk,
                    json={"applicant": {"name": "Nguyễn Thị Hoa"}, "documents": [{"name": "Đơn đề nghị"}], "data": {}})
    assert r.status_code == 201, r.get_json()
    dossier = r.get_json()["id"]
    pages = {
        "console": client.get("/"),
        "api docs": client.get("/api/v1/docs"),
        "reports": client.get("/reports", headers=bearer("kiemtra.noibo")),
        "catalog": client.get("/api/v1/procedures/export?format=html", headers=bearer("thietke.quytrinh")),
        "receipt": client.get(f"/api/v1/dossiers/{dossier}/receipt?format=html", headers=clerk),
        "control sheet": client.get(f"/api/v1/dossiers/{dossier}/control-sheet?format=html", headers=clerk),
    }
    for name, response in pages.items():
        assert (response.status_code, response.mimetype) == (200, "text/html"), name
    return pages


def test_html_pages_allow_no_inline_script(html_pages):
    for name, response in html_pages.items():
        sources = script_src(response.headers["Content-Security-Policy"])
        assert "'self'" in sources, (name, sources)
        assert not {"'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:"} & set(sources), (name, sources)
        assert "script-src-attr" not in response.headers["Content-Security-Policy"], name


def test_html_pages_as_served_hold_no_inline_script(html_pages):
    found = {name: problems for name, response in html_pages.items()
             if (problems := inline_script_problems(response.get_data(as_text=True)))}
    assert not found, found


def test_docs_page_passes_its_settings_as_data(html_pages):
    import json

    html = html_pages["api docs"].get_data(as_text=True)
    data = re.search(r'<script type="application/json" id="swagger-ui-config">(.*?)</script>', html, re.DOTALL)
    assert data and json.loads(data.group(1)) == {"url": "/api/v1/openapi.json", "dom_id": "#swagger-ui-container"}
    assert '<script src="/console/static/js/api-docs.js"></script>' in html
