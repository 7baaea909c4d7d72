"""The same dossier documents on the production store: an S3-API server (moto, started by the test) behind
an app configured with ``DOCUMENT_STORAGE=s3`` — upload, dedupe, ranged download, the public result."""
from __future__ import annotations

import pytest

from app import create_app
from tests.conftest import _config
from tests.documents import pki
from tests.documents.driver import Docs, png
from tests.documents.s3_server import running_s3


@pytest.fixture(scope="module")
def s3():
    with running_s3(bucket="motcua-docs") as (endpoint_url, storage):
        yield endpoint_url, storage


@pytest.fixture()
def app(migrated_database, clock, s3):
    """The suite's app, but its files in the S3 bucket (settings checked when the app is created)."""
    from app.extensions import db
    from tests.conftest import _empty_all_tables, _remove_file_dirs

    endpoint_url, _ = s3
    app = create_app({**_config(migrated_database, clock), "DOCUMENT_STORAGE": "s3",
                      "DOCUMENT_S3_BUCKET": "motcua-docs", "DOCUMENT_S3_PREFIX": "test-run",
                      "DOCUMENT_S3_ENDPOINT_URL": endpoint_url, "DOCUMENT_S3_ACCESS_KEY": "test",
                      "DOCUMENT_S3_SECRET_KEY": "test"})
    yield app
    with app.app_context():
        db.session.remove()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()
    _remove_file_dirs(app)


def test_documents_on_an_s3_store(demo, app, client, clock):
    assert app.extensions["motcua.storage"].name == "s3"
    docs = Docs(client, clock)
    docs.publish()
    first, second = docs.receive(), docs.receive()
    content = pki.make_pdf("Đơn đề nghị " * 200)
    a = docs.upload(first["id"], "don_de_nghi", content, "Đơn.pdf")
    b = docs.upload(second["id"], "don_de_nghi", content, "Đơn (bản 2).pdf")
    assert a["sha256"] == b["sha256"]
    assert app.extensions["motcua.storage"].stat(a["sha256"]) == len(content)
    whole = docs.content(first["id"], a["id"])
    assert whole.status_code == 200 and whole.data == content
    middle = docs.content(first["id"], a["id"], Range="bytes=100-199")
    assert middle.status_code == 206 and middle.data == content[100:200]
    assert docs.upload(first["id"], "don_de_nghi", png(), "a.png")["version"] == 2
