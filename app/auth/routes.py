"""``/api/v1/auth/…``: tokens, refresh, logout, own password; ``/api/v1/api-keys`` for admins."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint

from app.audit import service as audit
from app.auth import guard, service, throttle
from app.auth.schemas import ApiKeyCreatedOut, ApiKeyIn, ApiKeyOut, PasswordChangeIn, RefreshIn, TokenIn, TokenOut
from app.clock import utcnow
from app.errors import TooManyRequests, Unauthorized, Unprocessable
from app.extensions import db
from app.identity import current_officer
from app.org import grants, passwords
from app.org.schemas import OfficerOut
from app.org.service import change_own_password, get_officer

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Đăng nhập, mã truy cập, khoá API (auth)")


@blp.route("/auth/token")
class Token(MethodView):
    @blp.doc(security=[])
    @blp.arguments(TokenIn)
    @blp.response(200, TokenOut)
    def post(self, credentials):
        """Exchange username and password for a bearer token and a refresh token.

        Attempts are counted per account and per client address before the password is checked (429 with
        ``Retry-After`` past a limit; a success is not counted as a failure), successful logins per account
        too; failures and refusals are audited, never with the password.
        """
        username, address, now = credentials["username"], request.remote_addr, utcnow()
        buckets = {throttle.LOGIN_ACCOUNT: username, throttle.LOGIN_ADDRESS: address,
                   throttle.LOGIN_SUCCESS: username}
        try:
            reserved = throttle.reserve(session=db.session, buckets=buckets, now=now)
        except TooManyRequests as exc:
            guard.record_refusal(status=429, code=exc.code, officer=None, action="auth.login_throttled",
                                 object_type="account", object_id=username[:64])
            raise
        try:
            issued = service.login(session=db.session, username=username, password=credentials["password"],
                                   now=now, secret=current_app.config["SECRET_KEY"], access_ttl=guard.access_ttl(),
                                   refresh_ttl=guard.refresh_ttl(), client_address=address)
        except Unauthorized as exc:
            success = reserved[throttle.LOGIN_SUCCESS]
            guard.record_after_response(lambda session: throttle.release(session=session, ids=[success]))
            guard.record_refusal(status=401, code=exc.code, officer=None, action="auth.login_failed",
                                 object_type="account", object_id=username[:64])
            raise
        throttle.release(session=db.session, ids=[reserved[throttle.LOGIN_ACCOUNT], reserved[throttle.LOGIN_ADDRESS]])
        return issued


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @blp.doc(security=[])
    @blp.arguments(RefreshIn)
    @blp.response(200, TokenOut)
    def post(self, body):
        """Rotate a refresh token into a new access token (the old refresh token stops working).

        A refresh token used a second time ends its whole login: a copy of it was taken.
        """
        now = utcnow()
        try:
            return service.refresh(session=db.session, refresh_token=body["refresh_token"], now=now,
                                   secret=current_app.config["SECRET_KEY"], access_ttl=guard.access_ttl(),
                                   refresh_ttl=guard.refresh_ttl())
        except service.ReusedRefreshToken as exc:
            reused_session = exc.session_id
            guard.record_after_response(
                lambda session: service.logout(session=session, session_id=reused_session, now=now))
            guard.record_refusal(status=401, code=exc.code, officer=None, action="auth.refresh_reused",
                                 object_type="auth_session", object_id=str(exc.session_id))
            raise


@blp.route("/auth/logout")
class Logout(MethodView):
    @blp.response(204)
    def post(self):
        """End this login: its access and refresh tokens stop working at once."""
        from flask import g
        if g.get("session_id"):
            service.logout(session=db.session, session_id=g.session_id, now=utcnow())
            officer = current_officer()
            audit.record(session=db.session, actor=officer, action="auth.logout", object_type="officer",
                         object_id=officer.id, summary="Đăng xuất", now=utcnow())


@blp.route("/auth/me")
class Me(MethodView):
    @blp.response(200, OfficerOut)
    def get(self):
        """The officer behind the token."""
        return current_officer()


@blp.route("/auth/password")
class Password(MethodView):
    @blp.arguments(PasswordChangeIn)
    @blp.response(204)
    def post(self, body):
        """Change one's own password; every token of the account is revoked."""
        officer = current_officer()
        if not passwords.verify_password(officer.password_hash, body["current_password"]):
            raise Unprocessable(code="wrong_password", errors={"current_password": ["Mật khẩu hiện tại không đúng."]})
        change_own_password(session=db.session, officer=officer, new_password=body["new_password"], now=utcnow())
        audit.record(session=db.session, actor=officer, action="auth.password_change", object_type="officer",
                     object_id=officer.id, summary="Đổi mật khẩu; mọi phiên đăng nhập bị thu hồi", now=utcnow())


@blp.route("/api-keys")
class ApiKeys(MethodView):
    @blp.response(200, ApiKeyOut(many=True))
    def get(self):
        """API keys for integrations, with whom each acts as (never their secret); an agency admin's own tree."""
        actor = current_officer()
        within = None if actor.has_role("auditor") else grants.managed_agency_ids(session=db.session, actor=actor)
        return service.list_api_keys(session=db.session, within_agencies=within)

    @blp.arguments(ApiKeyIn)
    @blp.response(201, ApiKeyCreatedOut)
    def post(self, body):
        """Create an API key acting as an officer the caller administers, within some roles, until an expiry.

        The key is shown once.
        """
        actor = current_officer()
        officer = get_officer(session=db.session, officer_id=body["officer_id"])
        grants.check_account_managed(session=db.session, actor=actor, officer=officer)
        if not officer.is_active:
            raise Unprocessable(errors={"officer_id": ["Tài khoản đã bị khoá."]})
        key, plain = service.create_api_key(session=db.session, officer=officer, name=body["name"], now=utcnow(),
                                            roles=body.get("roles"), expires_at=body.get("expires_at"),
                                            topics=body.get("topics"))
        audit.record(session=db.session, actor=actor, action="api_key.create", object_type="api_key",
                     object_id=key.id, summary=f"{key.name} ({officer.username})", now=utcnow())
        key.key = plain  # shown once in this response, never stored
        return key


@blp.route("/api-keys/<int:key_id>/revoke")
class ApiKeyRevoke(MethodView):
    @blp.response(200, ApiKeyOut)
    def post(self, key_id):
        """Revoke an API key (an agency admin: of an account it administers)."""
        actor = current_officer()
        key = service.get_api_key(session=db.session, key_id=key_id)
        grants.check_account_managed(session=db.session, actor=actor, officer=key.officer)
        key = service.revoke_api_key(session=db.session, key=key, now=utcnow())
        audit.record(session=db.session, actor=actor, action="api_key.revoke", object_type="api_key",
                     object_id=key.id, summary=key.name, now=utcnow())
        return key
