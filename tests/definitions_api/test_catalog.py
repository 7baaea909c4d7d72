"""The published catalog: shipped procedures, totals with the mismatch flag, search with or without accents."""
from __future__ import annotations


def _catalog(client, headers, **query):
    params = "&".join(f"{k}={v}" for k, v in query.items())
    r = client.get(f"/api/v1/procedures?{params}", headers=headers)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_shipped_procedures_are_published(client, auth, demo):
    headers = auth.headers("admin")
    entries = {e["key"]: e for e in _catalog(client, headers)}
    assert set(entries) == {"na_khau_tru_kinh_phi_boi_thuong", "cb_tnxp_thanh_lap", "cb_tnxp_giai_the",
                            "cb_luu_tru_cap_lai_giay_chung_nhan", "cb_tiep_nhan_doi_tuong_bao_tro_xa_hoi"}
    na = entries["na_khau_tru_kinh_phi_boi_thuong"]
    assert na["code"] == "1.012994" and na["version"] == 1 and na["decision_number"] == "3857/QĐ-UBND"
    assert na["declared_total_days"] == 21 and na["computed_total_days"] == 21 and not na["total_mismatch"]
    assert [s["time_limit_days"] for s in na["steps"]] == [0.5, 0.5, 14, 3, 2, 1, None]
    assert na["steps"][2]["unit_code"] == "NA-HN-KTHTDT"


def test_giaithe_shows_its_9_5_vs_10_5_days_warning(client, auth, demo):
    headers = auth.headers("admin")
    (entry,) = _catalog(client, headers, q="giai the")
    assert entry["key"] == "cb_tnxp_giai_the"
    assert entry["declared_total_days"] == 10.5 and entry["computed_total_days"] == 9.5
    assert entry["total_mismatch"] is True
    version = client.get("/api/v1/process-definitions/cb_tnxp_giai_the/versions/1", headers=headers).get_json()
    (warning,) = [w for w in version["warnings"] if w["code"] == "total_mismatch"]
    assert "9.5" in warning["message"] and "10.5" in warning["message"]


def test_search_with_and_without_accents(client, auth, demo):
    headers = auth.headers("admin")
    with_accents = [e["key"] for e in _catalog(client, headers, q="thanh niên xung phong")]
    without = [e["key"] for e in _catalog(client, headers, q="THANH NIEN XUNG PHONG")]
    assert with_accents == without == ["cb_tnxp_giai_the", "cb_tnxp_thanh_lap"]
    assert [e["key"] for e in _catalog(client, headers, q="1.012994")] == ["na_khau_tru_kinh_phi_boi_thuong"]


def test_filters_by_agency_tree_and_kind(client, auth, demo):
    headers = auth.headers("admin")
    cao_bang = {e["key"] for e in _catalog(client, headers, agency="CB")}
    assert "na_khau_tru_kinh_phi_boi_thuong" not in cao_bang and len(cao_bang) == 4
    kinds = {e["kind"] for e in _catalog(client, headers, kind="interconnected_cross_level")}
    assert kinds <= {"interconnected_cross_level"}


def test_bad_catalog_filters_are_422(client, auth, demo):
    headers = auth.headers("admin")
    assert client.get("/api/v1/procedures?status=gone", headers=headers).status_code == 422
    assert client.get("/api/v1/procedures?kind=district", headers=headers).status_code == 422
