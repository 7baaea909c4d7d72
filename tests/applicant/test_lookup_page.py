"""The applicant's lookup page without JavaScript: Vietnamese and English, what to supplement, the new date and
its reason, the result to download, the rating form and the opt-out, opened by the secret or a notice's link."""
from __future__ import annotations

import html
import io
import re

from tests.applicant.test_notices import pdf
from tests.deadlines.conftest import iso, vn
from tests.dossiers.flow import CHAIR, CLERK, FORWARD

RECORDS = "na.hn.vanthu"
RATING = {"access": "5", "papers": "4", "officers": "5", "timeliness": "3", "result": "5"}


def page(flow, path: str, expect: int = 200, **query):
    r = flow.client.get(path, query_string=query)
    assert r.status_code == expect, r.get_data(as_text=True)[:500]
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    return r.get_data(as_text=True)


def test_the_page_follows_the_dossier_in_both_languages(flow):
    receipt = flow.start(notify={"channels": ["email"], "consent": True},
                         applicant={"name": "Nguyễn Thị Hoa", "phone": "0912345678", "email": "hoa@example.vn"})
    code, secret = receipt["code"], receipt["lookup_secret"]
    ask = page(flow, f"/tra-cuu/{code}")
    assert 'name="secret"' in ask and '<html lang="vi">' in ask and "<script" not in ask
    shown = page(flow, f"/tra-cuu/{code}", secret=secret)
    assert "Đã tiếp nhận" in shown and "31/03/2026" in shown and 'id="units"' in shown
    assert "na.hn" not in shown and "Nguyễn Thị Hoa" not in shown  # no officer, not even the applicant's own name
    assert "thư điện tử" in shown and "Ngừng nhận thông báo" in shown
    english = page(flow, f"/tra-cuu/{code}", secret=secret, lang="en")
    assert '<html lang="en">' in english and "Result due" in english and "Received" in english
    toggle = re.search(r'<p class="lang"><a href="\?([^"]+)"', english).group(1)
    assert "lang=vi" in html.unescape(toggle) and "t=" in html.unescape(toggle)  # the toggle keeps the dossier open

    asked = flow.client.post(f"/api/v1/dossiers/{receipt['id']}/supplement-requests", headers=flow.h(CLERK),
                             json={"items": ["Bản sao sổ hộ khẩu"], "reason": "Thiếu giấy tờ nhân thân"})
    assert asked.status_code == 201
    paused = page(flow, f"/tra-cuu/{code}", secret=secret)
    assert 'id="supplement"' in paused and "Bản sao sổ hộ khẩu" in paused and "Thiếu giấy tờ nhân thân" in paused
    assert "Tạm dừng, chờ bổ sung" in paused
    flow.client.post(f"/api/v1/dossiers/{receipt['id']}/supplement-requests/{asked.get_json()['id']}/answer",
                     json={}, headers=flow.h(CLERK))
    for spec_id in ("Step_1", "Step_2", "Step_3"):
        flow.forward(receipt["id"], spec_id)
    flow.clock.set(vn(2026, 3, 27, 10))
    r = flow.client.post(f"/api/v1/dossiers/{receipt['id']}/extension", headers=flow.h(CHAIR),
                         json={"reason": "Chờ ý kiến cơ quan thuế", "new_due_at": iso(2026, 4, 10, 17)})
    assert r.status_code == 200
    later = page(flow, f"/tra-cuu/{code}", secret=secret)
    assert 'id="new-date"' in later and "10/04/2026" in later and "Chờ ý kiến cơ quan thuế" in later
    assert 'id="rating-form"' not in later  # no rating before the result

    for spec_id in ("Step_4", "Step_5"):
        flow.forward(receipt["id"], spec_id)
    step6 = flow.current(receipt["id"], "Step_6")
    flow.act(step6["id"], "claim", RECORDS)
    up = flow.client.post(f"/api/v1/dossiers/{receipt['id']}/components/van_ban_xac_nhan/documents",
                          data={"file": (io.BytesIO(pdf()), "van-ban.pdf"), "step_id": str(step6["id"])},
                          content_type="multipart/form-data", headers=flow.h(RECORDS))
    assert up.status_code == 201
    flow.complete(step6["id"], RECORDS, FORWARD["Step_6"])
    flow.forward(receipt["id"], "Step_7")
    done = page(flow, f"/tra-cuu/{code}", secret=secret)
    assert "Đã trả kết quả" in done and 'id="rating-form"' in done
    link = html.unescape(re.search(r'<ul id="results"><li><a href="([^"]+)"', done).group(1))
    assert "secret" not in link  # the download is opened by the link token, the secret never lands in a URL
    download = flow.client.get(link)
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


def test_rating_on_the_page_once_with_its_errors_said(flow):
    receipt = flow.start()
    code, secret = receipt["code"], receipt["lookup_secret"]
    early = flow.client.post(f"/tra-cuu/{code}/danh-gia", data={"secret": secret, **RATING})
    assert early.status_code == 409 and "Chỉ đánh giá được sau khi hồ sơ đã trả kết quả" in early.get_data(as_text=True)
    flow.run_to_end(receipt["id"])
    partial = flow.client.post(f"/tra-cuu/{code}/danh-gia", data={"secret": secret, "access": "5", "comment": "Tốt"})
    body = partial.get_data(as_text=True)
    assert partial.status_code == 422 and "Xin chọn mức hài lòng cho mọi nội dung" in body
    assert 'aria-invalid="true"' in body and 'value="5" required checked' in body and ">Tốt</textarea>" in body
    wrong = flow.client.post(f"/tra-cuu/{code}/danh-gia", data={"secret": "sai", **RATING})
    assert wrong.status_code == 404
    long = flow.client.post(f"/tra-cuu/{code}/danh-gia", data={"secret": secret, **RATING, "comment": "x" * 1001})
    assert long.status_code == 422 and "dài quá" in long.get_data(as_text=True)
    sent = flow.client.post(f"/tra-cuu/{code}/danh-gia", data={"secret": secret, **RATING, "comment": "Nhanh gọn"})
    assert sent.status_code == 303 and "done=rated" in sent.headers["Location"] and "secret" not in sent.headers["Location"]
    thanks = flow.client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Cảm ơn Ông/Bà đã đánh giá" in thanks and 'id="rated"' in thanks and 'id="rating-form"' not in thanks
    twice = flow.client.post(f"/tra-cuu/{code}/danh-gia", data={"secret": secret, **RATING})
    assert twice.status_code == 409 and "Hồ sơ này đã được đánh giá" in twice.get_data(as_text=True)
    lookup = flow.client.get(f"/api/v1/public/dossiers/{code}?secret={secret}").get_json()
    assert lookup["rating"]["rated_at"]


def test_a_notice_link_opens_the_page_and_stops_the_notices(flow, smtp):
    _, mailbox = smtp
    receipt = flow.start(notify={"channels": ["email"], "consent": True},
                         applicant={"name": "Lê Văn Nam", "email": "nam@example.vn"})
    flow.deliver()
    text = mailbox.texts()[-1]
    link = re.search(r"https://dichvucong\.test(/tra-cuu/\S+)", text).group(1)
    opened = flow.client.get(link)
    assert opened.status_code == 200 and receipt["code"] in opened.get_data(as_text=True)
    assert flow.client.get(link[:-3] + "abc").status_code == 404  # a token that is not the service's
    stop_url = str(mailbox.messages[-1]["List-Unsubscribe"]).strip()[1:-1].replace("https://dichvucong.test", "")
    asked = flow.client.get(stop_url)
    assert asked.status_code == 200 and "muốn ngừng nhận mọi thông báo" in asked.get_data(as_text=True)
    assert flow.notices(receipt["id"])[0]["status"] == "sent"
    stopped = flow.client.post(stop_url, data={"List-Unsubscribe": "One-Click"})  # RFC 8058's one click
    assert stopped.status_code == 303
    after = flow.client.get(stopped.headers["Location"]).get_data(as_text=True)
    assert "Đã ngừng gửi thông báo" in after and "đã ngừng nhận thông báo" in after
    flow.forward(receipt["id"], "Step_1")
    flow.client.post(f"/api/v1/dossiers/{receipt['id']}/withdraw", json={"reason": "Xin rút"}, headers=flow.h(CLERK))
    flow.deliver()
    assert len(mailbox.messages) == 1
