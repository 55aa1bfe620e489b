"""store/ sits below every other layer: it imports nothing of the project (issue 20), and a
Store opened without provwatch's text functions refuses, clearly, what it cannot do. Also:
benchmarks/ import no test helper."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from crawler.archive.database import open_store
from crawler.core.text import fold
from store.db import Store, StoreError
from store.schema import MIGRATIONS, SCHEMA_VERSION

ROOT = Path(__file__).resolve().parent.parent
# the project's own top-level packages and modules (store/ may import only itself)
PROJECT = {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()} | {
    p.stem for p in ROOT.glob("*.py")}

TEXT = ("Sáng 6/4/2022, Ủy ban nhân dân tỉnh Lào Cai tổ chức hội nghị triển khai kế hoạch "
        "chuyển đổi số năm 2022. Đồng chí Chủ tịch nhấn mạnh vai trò của dữ liệu số.\n" * 3)


def _imported(path: Path) -> list[tuple[int, str]]:
    """(line, top-level module) of every import in the file, nested ones included."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            # a relative import stays inside store/
            found.append((node.lineno, "store" if node.level else
                          (node.module or "").split(".")[0]))
    return found


def test_store_imports_nothing_of_the_project() -> None:
    assert {"crawler", "store", "notify", "spiders", "cli", "settings"} <= PROJECT
    upward = [f"{path.name}:{line} imports {module}"
              for path in sorted((ROOT / "store").glob("*.py"))
              for line, module in _imported(path) if module in PROJECT - {"store"}]
    assert upward == []


def test_benchmarks_import_no_test_helper() -> None:
    """A benchmark measures the product: it serves its own local sites (benchmarks/
    localsite.py) and reads tests' data files, but imports no test module."""
    imports = [f"{path.name}:{line}" for path in sorted((ROOT / "benchmarks").glob("*.py"))
               for line, module in _imported(path) if module == "tests"]
    assert imports == []


def test_importing_the_store_loads_no_project_module() -> None:
    code = ("import json, sys; import store.db, store.schema, store.analysers; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{sorted(PROJECT - {'store'})!r})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert json.loads(out) == []


def _article(url: str, **extra: object) -> dict[str, object]:
    return {"url": url, "source": "s", "title": "Lào Cai đẩy mạnh chuyển đổi số",
            "text": TEXT, "content_hash": url, **extra}


def test_a_store_without_analysers_serves_what_needs_none(tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")  # a new file: no migration reads stored text
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    run_id = store.start_run("test", 1)
    store.queue_alert({"kind": "health", "payload": {"text": "x"}, "tags": []})
    assert [a["kind"] for a in store.pending_alerts("t")] == ["health"]
    # a caller that folded the text itself can store an article
    article_id = store.insert_article(_article("https://a.vn/1", title_folded="lao cai",
                                               text_folded=fold(TEXT)))
    assert store.article_by_id(article_id)["text_folded"] == fold(TEXT)
    assert store.run_row(run_id)["status"] == "running"
    store.close()


def test_a_store_without_analysers_refuses_to_fold_and_stores_nothing_unfolded(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "p.db")
    with pytest.raises(StoreError, match="without analysers.*fold an article's title"):
        store.insert_article(_article("https://a.vn/1"))
    assert store.count("articles") == 0 and store.count("versions") == 0
    with pytest.raises(StoreError, match="without analysers.*fold a search query"):
        store.search("chuyen doi so")
    article_id = store.insert_article(_article("https://a.vn/2", title_folded="t",
                                               text_folded="x"))
    with pytest.raises(StoreError, match="without analysers.*fold an article's"):
        store.add_version(article_id, {"text": TEXT + "Thêm."}, diff="+Thêm.")
    with pytest.raises(StoreError, match="without analysers.*fold an article's"):
        store.reanalysed(article_id, {"title": "Mới", "text": TEXT})
    assert store.article_by_id(article_id)["version"] == 1
    assert store.versions(article_id)[0]["text"] == TEXT
    store.close()


def _schema_4_with_an_article(path: Path) -> None:
    db = sqlite_utils.Database(path)
    for migration in MIGRATIONS[:4]:
        migration(db, None)
    db.execute("PRAGMA user_version = 4")
    db["articles"].insert({"url": "https://a.vn/1", "title": "Cũ", "text": TEXT,
                           "version": 1, "title_folded": "cu", "text_folded": fold(TEXT)})
    db.conn.commit()
    db.conn.close()


def test_an_old_database_is_not_migrated_without_the_analysers_it_needs(
        tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _schema_4_with_an_article(path)
    with pytest.raises(StoreError, match=r"from schema 4 to 5: .*without analysers.*"
                                         r"near-duplicate index"):
        Store(path)
    with sqlite_utils.Database(path) as db:  # nothing half-done
        assert db.execute("PRAGMA user_version").fetchone()[0] == 4
    store = open_store(path)  # provwatch's analysers: migrated, fingerprints rebuilt
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert store.signature(1) is not None and store.count("lsh_bands") > 0
    assert [r["id"] for r in store.search("chuyen doi so")] == [1]
    store.close()
