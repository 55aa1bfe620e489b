"""Certificates are verified by default; a source opts out explicitly and by name."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli import main
from crawler.archive.database import open_store
from tests.conftest import FAST, portal_routes, write_sources
from tests.localservers import SiteServer, self_signed_cert


def test_broken_certificate_fails_the_source_unless_it_opted_out(tmp_path: Path) -> None:
    site = SiteServer(portal_routes(), tls=self_signed_cert(tmp_path)).start()
    try:
        for opt_out in (False, True):
            sources = write_sources(tmp_path / f"s{opt_out}.toml", [
                {"id": "cong-tls", "name": "Cổng TLS hỏng", "province": "Hà Tĩnh",
                 "url": f"{site.base}/tin-tuc", "insecure_tls": opt_out}])
            db = tmp_path / f"p{opt_out}.db"
            result = CliRunner().invoke(main, ["--db", str(db), *FAST, "crawl", "--sources",
                                               str(sources)])
            assert result.exit_code == 0, result.output
            store = open_store(db)
            run = store.runs()[0]
            if not opt_out:
                assert "failed sources (1): cong-tls (" in result.output
                assert "tls" in json.loads(run["summary"])["failed_sources"]["cong-tls"]
                assert store.count("articles") == 0
            else:
                assert "failed sources" not in result.output
                assert store.count("articles") == 3
    finally:
        site.stop()
