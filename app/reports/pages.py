"""``GET /reports``: the leaders' page (Vietnamese), charts drawn server-side as inline SVG."""
from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app, render_template
from flask.views import MethodView
from flask_smorest import Blueprint

from app.clock import utcnow
from app.extensions import db
from app.identity import current_officer
from app.reports import charts, schemas, service

blp = Blueprint("report_pages", __name__, url_prefix="", template_folder="templates",
                description="Trang báo cáo có biểu đồ (reports page with charts)")


@blp.route("/reports")
class ReportsPage(MethodView):
    @blp.arguments(schemas.PageQuery, location="query", unknown=ma.RAISE)
    @blp.doc(responses={"200": {"description": "HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}})
    def get(self, query):
        """On-time rate by unit and by month, and the step bottlenecks, for the caller's scope."""
        now = utcnow()
        scope = service.scope_for(session=db.session, officer=current_officer())
        f = service.filters(session=db.session, scope=scope, agency=query.get("agency"),
                            procedure=query.get("procedure"))
        p = service.period(first=query.get("first"), last=query.get("last"), now=now,
                           tz=current_app.config.get("TIMEZONE", "Asia/Ho_Chi_Minh"),
                           max_days=int(current_app.config.get("REPORT_MAX_DAYS", 731)))
        by_unit = service.summary(session=db.session, f=f, p=p, group_by="unit", now=now)
        by_month = service.summary(session=db.session, f=f, p=p, group_by="month", now=now)
        steps = service.steps(session=db.session, f=f, p=p)
        html = render_template(
            "reports/index.html", p=p, total=by_unit["total"], percent=charts.percent,
            unit_chart=charts.on_time_chart(by_unit["rows"], title="Tỷ lệ đúng hạn theo đơn vị"),
            month_chart=charts.on_time_chart(by_month["rows"], title="Tỷ lệ đúng hạn theo tháng"),
            bottleneck_chart=charts.bottleneck_chart(steps, title="Điểm nghẽn: số hồ sơ trễ do từng bước"),
            bottlenecks=steps["bottlenecks"])
        return Response(html, mimetype="text/html", content_type="text/html; charset=utf-8")
