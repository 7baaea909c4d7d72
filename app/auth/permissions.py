"""The permission matrix: endpoint × HTTP method → who may call it, in one table.

Rules:

- Every endpoint of the app has a row here; :func:`app.auth.guard.authenticate` looks the request up
  *before* the view runs. An endpoint (or a method of it) without a row is refused with 403 — a new view
  is closed until someone decides who may use it. ``tests/permissions`` fails when a route has no row.
- A row is :data:`PUBLIC` (no token needed; a valid one is still used), :data:`ANY_AUTHENTICATED` (any
  valid token), or a frozenset of roles.
- Auditors read everything and change nothing: every GET row lets them in, no other row does (except the
  account's own logout and password). A test checks that invariant.
- The table says *who may call*; *on what* (which agency, which unit) is :mod:`app.auth.scope`.
- ``HEAD`` follows ``GET``; ``OPTIONS`` (CORS preflight) carries no credentials and is never refused here.
"""
from __future__ import annotations

from typing import Final

ROLES: Final = ("admin", "designer", "leader", "officer", "clerk", "auditor", "worker")

PUBLIC: Final = "PUBLIC"
ANY_AUTHENTICATED: Final = "ANY_AUTHENTICATED"

Rule = str | frozenset[str]


def roles(*names: str) -> frozenset[str]:
    unknown = set(names) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")
    return frozenset(names)


ADMIN = roles("admin")
#: Reading the organisation's people and the review list.
SUPERVISORS = roles("admin", "leader", "auditor")
#: Reading procedures under design (drafts, BPMN, comments).
DEFINITION_READERS = roles("admin", "designer", "leader", "auditor")
DESIGNERS = roles("admin", "designer")
#: Reading dossiers and steps (scope narrows what each one sees).
CASE_READERS = roles("admin", "auditor", "leader", "officer", "clerk")
#: Acting on steps of one's own units (lane binding).
STEP_ACTORS = roles("leader", "officer", "clerk")
AUDIT_READERS = roles("admin", "auditor")
#: Everyone but the auditor: personal state such as "notice read".
NOT_AUDITOR = roles("admin", "designer", "leader", "officer", "clerk")

#: endpoint name → {method → rule}. Endpoint names are ``<blueprint>.<view class>``.
PERMISSIONS: Final[dict[str, dict[str, Rule]]] = {
    # documentation and static files
    "static": {"GET": PUBLIC},
    "api-docs.openapi_json": {"GET": PUBLIC},
    "api-docs.openapi_swagger_ui": {"GET": PUBLIC},
    "swagger_ui_static": {"GET": PUBLIC},
    "health.Health": {"GET": PUBLIC},
    # authentication (app/auth)
    "auth.Token": {"POST": PUBLIC},
    "auth.Refresh": {"POST": PUBLIC},
    "auth.Logout": {"POST": ANY_AUTHENTICATED},
    "auth.Me": {"GET": ANY_AUTHENTICATED},
    "auth.Password": {"POST": ANY_AUTHENTICATED},
    "auth.ApiKeys": {"GET": AUDIT_READERS, "POST": ADMIN},
    "auth.ApiKeyRevoke": {"POST": ADMIN},
    # audit trail (read only: there is no route that changes it)
    "audit.AuditEvents": {"GET": AUDIT_READERS},
    # public progress lookup (code + secret)
    "public.DossierLookup": {"GET": PUBLIC},
    "public.ResultContent": {"GET": PUBLIC},
    "public_pages.lookup_page": {"GET": PUBLIC},
    "public_pages.rating_page": {"POST": PUBLIC},
    "public_pages.notices_page": {"GET": PUBLIC, "POST": PUBLIC},
    "public.DossierRating": {"POST": PUBLIC},
    "public.StopNotices": {"POST": PUBLIC},
    # organisation
    "org.Agencies": {"GET": ANY_AUTHENTICATED, "POST": ADMIN},
    "org.AgencyById": {"GET": ANY_AUTHENTICATED, "PATCH": ADMIN, "DELETE": ADMIN},
    "org.Units": {"GET": ANY_AUTHENTICATED, "POST": ADMIN},
    "org.UnitById": {"GET": ANY_AUTHENTICATED, "PATCH": ADMIN, "DELETE": ADMIN},
    "org.Officers": {"GET": SUPERVISORS, "POST": ADMIN},
    "org.OfficerById": {"GET": SUPERVISORS, "PATCH": ADMIN},
    # working calendar
    "calendar.DueDate": {"GET": ANY_AUTHENTICATED},
    "calendar.CalendarDays": {"GET": ANY_AUTHENTICATED},
    "calendar.Overrides": {"GET": ANY_AUTHENTICATED, "POST": ADMIN},
    "calendar.OverrideById": {"DELETE": ADMIN},
    "calendar.Settings": {"GET": ANY_AUTHENTICATED, "PUT": ADMIN},
    # procedure definitions: designers draft and submit, admins publish, return and abolish
    "definitions.Definitions": {"GET": DEFINITION_READERS, "POST": DESIGNERS},
    "definitions.DefinitionByKey": {"GET": DEFINITION_READERS},
    "definitions.VersionByNumber": {"GET": DEFINITION_READERS},
    # officers and clerks too: the diagram of their dossiers' procedure (scope: versions dossiers run on)
    "definitions.VersionBpmn": {"GET": DEFINITION_READERS | CASE_READERS},
    "definitions.VersionSubmit": {"POST": DESIGNERS},
    "definitions.VersionForms": {"GET": DEFINITION_READERS},
    "definitions.VersionForm": {"GET": DEFINITION_READERS, "PUT": DESIGNERS, "DELETE": DESIGNERS},
    "definitions.VersionComponents": {"GET": DEFINITION_READERS, "PUT": DESIGNERS},
    "definitions.VersionReturn": {"POST": ADMIN},
    "definitions.VersionComments": {"GET": DEFINITION_READERS, "POST": roles("admin", "designer", "leader")},
    "definitions.VersionPublish": {"POST": ADMIN},
    "definitions.VersionAbolish": {"POST": ADMIN},
    "definitions.Procedures": {"GET": ANY_AUTHENTICATED},
    "authoring.FromSteps": {"POST": DESIGNERS},
    "catalog.Export": {"GET": ANY_AUTHENTICATED},
    "catalog.ReviewDue": {"GET": SUPERVISORS},
    # dossiers: clerks of a receiving desk receive; leaders stop; reading is scoped
    "dossiers.ProcedureDossiers": {"POST": roles("clerk")},
    "dossiers.ProcedureDossiersWithDocuments": {"POST": roles("clerk")},
    "dossiers.Dossiers": {"GET": CASE_READERS},
    "dossiers.DossierById": {"GET": CASE_READERS},
    "dossiers.DossierReceipt": {"GET": CASE_READERS},
    "dossiers.DossierControlSheet": {"GET": CASE_READERS},
    "dossiers.DossierWithdraw": {"POST": roles("clerk", "leader")},
    "dossiers.DossierStop": {"POST": roles("leader")},
    "dossiers.DossierRetry": {"POST": roles("leader", "admin")},
    "dossiers.DossierTransfer": {"POST": roles("clerk", "leader")},
    "dossiers.DossierTransfers": {"GET": CASE_READERS},
    # documents: read as the dossier is read; attached by the desk, the step's officers and leaders
    "documents.DossierComponents": {"GET": CASE_READERS},
    "documents.ComponentDocuments": {"POST": STEP_ACTORS},
    "documents.ComponentReuse": {"POST": STEP_ACTORS},
    "documents.DossierDocuments": {"GET": CASE_READERS},
    "documents.DossierDocument": {"GET": CASE_READERS, "DELETE": STEP_ACTORS},
    "documents.DossierDocumentContent": {"GET": CASE_READERS},
    "documents.ReusableDocuments": {"GET": roles("admin", "auditor", "leader", "officer", "clerk")},
    "documents.TrustAnchors": {"GET": SUPERVISORS, "POST": ADMIN},
    "documents.TrustAnchorById": {"DELETE": ADMIN},
    # deadlines (app/deadlines): pause/resume by the desk or a leader; the extension (form 04) by a leader
    "deadlines.DossierPause": {"POST": roles("clerk", "leader")},
    "deadlines.DossierResume": {"POST": roles("clerk", "leader")},
    "deadlines.DossierExtension": {"POST": roles("leader")},
    # the desk's forms: form 02 issued and answered by the desk, or the step's officer and leaders
    "desk.SupplementRequests": {"GET": CASE_READERS, "POST": STEP_ACTORS},
    "desk.SupplementRequestById": {"GET": CASE_READERS},
    "desk.SupplementAnswer": {"POST": STEP_ACTORS},
    "desk.DossierApology": {"GET": CASE_READERS},
    "desk.ProcedureRefusals": {"POST": roles("clerk")},
    "desk.DossierRefusal": {"GET": CASE_READERS},
    "desk.DossierStopNotice": {"GET": CASE_READERS},
    # officers' steps
    "tasks.Tasks": {"GET": CASE_READERS},
    "tasks.TaskById": {"GET": CASE_READERS},
    "tasks.TaskClaim": {"POST": STEP_ACTORS},
    "tasks.TaskUnclaim": {"POST": STEP_ACTORS},
    "tasks.TaskAssign": {"POST": roles("leader")},
    "tasks.TaskComplete": {"POST": STEP_ACTORS},
    "tasks.TaskReturn": {"POST": STEP_ACTORS},
    # external tasks: workers (API keys of accounts with the worker role) do system steps by topic
    **{f"external_tasks.{name}": {"POST": roles("worker")}
       for name in ("FetchAndLock", "Complete", "Failure", "BpmnError", "ExtendLock")},
    "external_tasks.Unlock": {"POST": roles("worker", "admin", "leader")},
    "external_tasks.Retries": {"PUT": roles("worker", "admin", "leader")},
    "external_tasks.Tasks": {"GET": roles("worker", "admin", "leader", "auditor")},
    "external_tasks.Count": {"GET": roles("worker", "admin", "leader", "auditor")},
    "external_tasks.TaskById": {"GET": roles("worker", "admin", "leader", "auditor")},
    # notices to applicants: what they were told, the dead letters, the templates
    "applicant_notices.Channels": {"GET": ANY_AUTHENTICATED},
    "applicant_notices.Notices": {"GET": SUPERVISORS},
    "applicant_notices.DossierNotices": {"GET": CASE_READERS},
    "applicant_notices.NoticeRetry": {"POST": roles("admin", "leader")},
    "applicant_notices.Templates": {"GET": roles("admin", "leader", "auditor", "designer"), "POST": ADMIN},
    "applicant_notices.TemplateById": {"DELETE": ADMIN},
    "applicant_notices.TemplatePreview": {"POST": roles("admin", "designer")},
    "reports.Satisfaction": {"GET": SUPERVISORS},
    # notifications: one's own inbox
    "notifications.Inbox": {"GET": ANY_AUTHENTICATED},
    "notifications.MarkRead": {"POST": NOT_AUDITOR},
    # due work (scheduler)
    "scheduler.DueWorkList": {"GET": AUDIT_READERS},
    "scheduler.DueWorkRetry": {"POST": ADMIN},
    # reports for leaders (app/reports: scope narrows a leader to their agencies and units)
    "reports.Summary": {"GET": SUPERVISORS},
    "reports.Steps": {"GET": SUPERVISORS},
    "reports.Officers": {"GET": SUPERVISORS},
    "reports.Overdue": {"GET": SUPERVISORS},
    "reports.StepRows": {"GET": SUPERVISORS},
    "reports.TrackingBook": {"GET": roles("admin", "leader", "auditor", "clerk")},  # form 07: the desk keeps it
    "report_pages.ReportsPage": {"GET": SUPERVISORS},
    # Prometheus: the view checks METRICS_TOKEN, an admin's token or METRICS_ALLOW_FROM itself
    "metrics.Metrics": {"GET": PUBLIC},
    # the web console's shell and assets carry no data; every call it makes goes through the rows above
    "console.index": {"GET": PUBLIC},
    "console.static_file": {"GET": PUBLIC},
}

#: Rows every authenticated officer may use whatever their roles (their own account).
SELF_SERVICE: Final = frozenset({("auth.Logout", "POST"), ("auth.Password", "POST")})


def rule_for(endpoint: str | None, method: str) -> Rule | None:
    """The rule of ``endpoint`` for ``method`` (HEAD as GET); None when the table has no row."""
    if endpoint is None:
        return None
    method = "GET" if method == "HEAD" else method
    return PERMISSIONS.get(endpoint, {}).get(method)


def allows(rule: Rule, officer_roles: list[str] | set[str] | tuple[str, ...]) -> bool:
    """Whether an authenticated officer with ``officer_roles`` passes ``rule``."""
    if rule in (PUBLIC, ANY_AUTHENTICATED):
        return True
    return bool(set(officer_roles) & rule)  # type: ignore[operator]


def allowed_roles(rule: Rule) -> frozenset[str]:
    """The roles a rule admits (every role for PUBLIC and ANY_AUTHENTICATED)."""
    return frozenset(ROLES) if rule in (PUBLIC, ANY_AUTHENTICATED) else rule  # type: ignore[return-value]
