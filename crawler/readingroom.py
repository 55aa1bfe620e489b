"""The reading room: Datasette over the provwatch database, read-only, in Vietnamese.

``provwatch serve`` runs Datasette in this process (uvicorn), with

- the database opened read-only (``?mode=ro``, not ``immutable``: the nightly crawl keeps
  writing beside it and every page shows what is stored now);
- Vietnamese titles and descriptions for the tables and canned queries (DX news today and
  this week by province and topic, changed articles with their diff, copies grouped by
  story, source health, full-text search without diacritics);
- SQL functions registered on each connection (``pw_fts``: the query folded exactly as
  ``provwatch search`` folds it; ``pw_snippet``: a snippet of the original text, with its
  diacritics; ``pw_province``: province filter by current or former name; ``pw_local``:
  a UTC time as +07:00);
- an Atom feed of flagged news at ``/-/atom?chu_de=dx&tinh=…`` (the same feed as
  ``provwatch export --format atom``).

Alert payloads link to an article's page here with :func:`article_page_url`, given the
address the team reaches the reading room at (``PROVWATCH_SERVE_BASE_URL``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pluggy

from crawler.exportrows import Period, PeriodError, local_time
from crawler.feeds import atom_feed, feed_id, feed_title, flagged_rows
from crawler.snippets import CLOSE, OPEN, snippet
from crawler.text import fold

DB_NAME = "provwatch"  # the database's name in every reading-room URL, whatever the file
BASE_URL_ENV = "PROVWATCH_SERVE_BASE_URL"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
FEED_LIMIT = 200

hookimpl = pluggy.HookimplMarker("datasette")


def article_page_url(base: str, article_id: int) -> str:
    """The article's page in the reading room reached at ``base`` (``https://host/prefix``)."""
    return f"{base.rstrip('/')}/{DB_NAME}/articles/{int(article_id)}"


def configured_base_url() -> str | None:
    """The reading room's public address from ``PROVWATCH_SERVE_BASE_URL``, if set."""
    value = os.environ.get(BASE_URL_ENV, "").strip()
    return value or None


# -- SQL functions ------------------------------------------------------------------------
def _fts(query: str | None) -> str:
    """``provwatch search``'s FTS5 query for ``query``; an empty query matches nothing."""
    from store.db import _fts_query

    return _fts_query(query or "") or '""'


def _province(query: str | None, current: str | None, former: str | None) -> int:
    from crawler.provinces import province_matches

    if not query:
        return 1
    names = json.loads(former) if former else []
    return int(province_matches(query, current, names))


def register_functions(conn: sqlite3.Connection) -> None:
    """The reading room's SQL functions, on one connection."""
    conn.create_function("pw_fold", 1, lambda s: fold(s or ""), deterministic=True)
    conn.create_function("pw_fts", 1, _fts, deterministic=True)
    conn.create_function("pw_snippet", 2, lambda text, q: snippet(text, q or ""),
                         deterministic=True)
    conn.create_function("pw_province", 3, _province, deterministic=True)
    conn.create_function("pw_local", 1, local_time, deterministic=True)


# -- canned queries -----------------------------------------------------------------------
_STORY_COLUMNS = """
  a.id, a.title AS tieu_de, a.province AS tinh,
  (SELECT group_concat(value, ', ') FROM json_each(a.former_provinces)) AS tinh_cu,
  a.topic AS chu_de, a.source AS nguon, a.published AS ngay_dang,
  pw_local(a.first_seen) AS thay_lan_dau, round(a.score, 2) AS diem,
  (SELECT COUNT(*) FROM articles c WHERE c.duplicate_of = a.id) AS so_ban_sao,
  coalesce(a.link, a.url) AS lien_ket"""
_FLAGGED = """a.relevant = 1 AND a.duplicate_of IS NULL
  AND (:tinh = '' OR pw_province(:tinh, a.province, a.former_provinces))
  AND (:chu_de = '' OR a.topic = :chu_de)"""
# an article's day: its publication date in Vietnam, else the day provwatch first saw it
_DAY = "date(coalesce(a.published, a.first_seen), '+7 hours')"
_NEWEST = "julianday(coalesce(a.published, a.first_seen)) DESC, a.id DESC"

_FILTER_HELP = ("Để trống <em>tinh</em> và <em>chu_de</em> để xem tất cả; tỉnh viết có hay "
                "không dấu, tên hiện nay hoặc tên trước sáp nhập (Hà Giang, ha giang); chủ đề "
                "theo mã trong topics.toml (dx, an-toan-thong-tin). Mỗi tin chỉ hiện một lần: "
                "<em>so_ban_sao</em> là số bản đăng lại ở nguồn khác.")

QUERIES: dict[str, dict[str, Any]] = {
    "tin_cds_hom_nay": {
        "title": "Tin được gắn cờ hôm nay, theo tỉnh và chủ đề",
        "description_html": "Tin đăng hôm nay (giờ Việt Nam; bài không ghi ngày tính theo "
                            "ngày provwatch thấy lần đầu). " + _FILTER_HELP,
        "sql": f"SELECT{_STORY_COLUMNS}\nFROM articles a\nWHERE {_FLAGGED}\n"
               f"  AND {_DAY} = date('now', '+7 hours')\n"
               f"ORDER BY a.province, a.topic, {_NEWEST}",
    },
    "tin_cds_tuan_nay": {
        "title": "Tin được gắn cờ trong 7 ngày qua, theo tỉnh và chủ đề",
        "description_html": "Tin đăng trong 7 ngày gần đây, kể cả hôm nay. " + _FILTER_HELP,
        "sql": f"SELECT{_STORY_COLUMNS}\nFROM articles a\nWHERE {_FLAGGED}\n"
               f"  AND {_DAY} >= date('now', '+7 hours', '-6 days')\n"
               f"ORDER BY a.province, a.topic, {_NEWEST}",
    },
    "thong_ke_tuan": {
        "title": "Số tin được gắn cờ trong 7 ngày qua, theo tỉnh và chủ đề",
        "description": "Mỗi tin tính một lần (không tính bản đăng lại).",
        "sql": "SELECT coalesce(a.province, '(toàn quốc)') AS tinh, a.topic AS chu_de, "
               "COUNT(*) AS so_tin, SUM(a.version > 1) AS co_sua_doi\nFROM articles a\n"
               "WHERE a.relevant = 1 AND a.duplicate_of IS NULL\n"
               f"  AND {_DAY} >= date('now', '+7 hours', '-6 days')\n"
               "GROUP BY 1, 2 ORDER BY so_tin DESC, tinh",
    },
    "bai_thay_doi": {
        "title": "Bài đã thay đổi và nội dung sửa",
        "description_html": "Mỗi lần một bài đã lưu đổi tiêu đề hoặc nội dung: phiên bản mới "
                            "và phần khác (dòng <code>-</code> bị bỏ, <code>+</code> được "
                            "thêm). Nhập <em>id</em> để xem một bài.",
        "sql": "SELECT v.article_id AS id, a.title AS tieu_de, a.province AS tinh, "
               "a.source AS nguon, v.version AS phien_ban, pw_local(v.seen_at) AS thoi_diem, "
               "v.diff AS diff\nFROM versions v JOIN articles a ON a.id = v.article_id\n"
               "WHERE v.version > 1 AND (:id = '' OR v.article_id = :id)\n"
               "ORDER BY v.seen_at DESC, v.article_id, v.version DESC",
    },
    "ban_trung_lap": {
        "title": "Tin đăng lại ở nhiều nguồn, gộp theo tin gốc",
        "description": "Tin gốc (bản provwatch thấy đầu tiên) và các bản sao trùng nội dung; "
                       "bản sao không bao giờ gửi cảnh báo.",
        "sql": "SELECT r.id, r.title AS tieu_de, r.source AS nguon_goc, r.province AS tinh, "
               "COUNT(c.id) AS so_ban_sao, group_concat(c.source || ' #' || c.id, ', ') "
               "AS cac_ban_sao\nFROM articles r JOIN articles c ON c.duplicate_of = r.id\n"
               "GROUP BY r.id ORDER BY so_ban_sao DESC, r.id DESC",
    },
    "suc_khoe_nguon": {
        "title": "Tình trạng các nguồn",
        "description": "Sau mỗi lần chạy: số lần liên tiếp không truy cập được, không thấy "
                       "bài (trang danh sách đổi), bài ngắn bất thường (bố cục bài đổi); lần "
                       "chạy tốt gần nhất.",
        "sql": "SELECT h.source AS nguon, s.name AS ten, s.province AS tinh,\n"
               "  CASE WHEN h.fail_streak > 0 THEN 'không truy cập được' "
               "WHEN h.empty_streak > 0 THEN 'không thấy bài' "
               "WHEN h.short_streak > 0 THEN 'bài ngắn bất thường' ELSE 'tốt' END "
               "AS tinh_trang,\n  h.fail_streak AS loi_lien_tiep, h.empty_streak AS "
               "trong_lien_tiep, h.short_streak AS ngan_lien_tiep,\n"
               "  pw_local(h.last_success) AS lan_cuoi_tot, h.last_error AS loi_gan_nhat,\n"
               "  (SELECT COUNT(*) FROM articles a WHERE a.source = h.source) AS so_bai\n"
               "FROM source_health h LEFT JOIN sources s ON s.id = h.source\n"
               "ORDER BY (h.fail_streak + h.empty_streak + h.short_streak) DESC, h.source",
    },
    "tim_kiem": {
        "title": "Tìm trong tiêu đề và nội dung",
        "description": "Gõ có dấu hoặc không dấu: 'chuyen doi so' tìm được 'chuyển đổi số'. "
                       "Đoạn trích lấy từ nguyên văn bài.",
        "sql": "SELECT a.id, a.title AS tieu_de, pw_snippet(a.text, :q) AS doan_trich, "
               "a.province AS tinh, a.source AS nguon, a.published AS ngay_dang,\n"
               "  CASE WHEN a.relevant THEN a.topic ELSE '' END AS gan_co, "
               "a.duplicate_of AS ban_sao_cua\n"
               "FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid\n"
               "WHERE articles_fts MATCH pw_fts(:q)\n"
               "ORDER BY bm25(articles_fts, 5.0, 1.0) LIMIT 200",
    },
}

_TABLES: dict[str, dict[str, Any]] = {
    "articles": {
        "title": "Bài viết",
        "description": "Mỗi bài lưu một lần theo URL chuẩn. duplicate_of: bản sao của bài "
                       "nào; version: số phiên bản; relevant/topic: có được gắn cờ và theo "
                       "chủ đề nào. Thời gian first_seen/last_changed theo UTC.",
        "label_column": "title", "sort_desc": "id",
    },
    "versions": {"title": "Các phiên bản bài viết",
                 "description": "Nội dung mỗi phiên bản và phần khác so với phiên bản trước."},
    "sources": {"title": "Nguồn tin", "label_column": "name"},
    "source_health": {"title": "Tình trạng nguồn (dữ liệu gốc)"},
    "runs": {"title": "Các lần chạy", "sort_desc": "id"},
    "alerts": {"title": "Hàng đợi cảnh báo", "sort_desc": "id"},
    "deliveries": {"title": "Kết quả gửi cảnh báo"},
    "lsh_bands": {"hidden": True},
    "signatures": {"hidden": True},
}


def metadata(prefix: str = "/") -> dict[str, Any]:
    """Datasette metadata: Vietnamese titles, descriptions and the canned queries.

    ``prefix`` is the path the reading room is served under (Datasette's ``base_url``).
    """
    links = "".join(f'<li><a href="{prefix}{DB_NAME}/{name}">{q["title"]}</a></li>'
                    for name, q in QUERIES.items())
    feed = f"{prefix}-/atom"
    return {
        "title": "provwatch: phòng đọc tin chuyển đổi số các tỉnh",
        "description_html": (
            f"<ul>{links}</ul><p>Nguồn tin Atom các tin được gắn cờ: "
            f'<a href="{feed}">{feed}</a> (lọc: <code>?chu_de=dx&amp;tinh=Tuyên Quang</code>'
            ", <code>tu_ngay=01/12/2026</code>, <code>den_ngay=…</code>). Chỉ đọc: "
            "dữ liệu do provwatch crawl/run ghi.</p>"),
        "databases": {DB_NAME: {
            "title": "Cơ sở dữ liệu provwatch",
            "tables": _TABLES,
            "queries": {name: dict(q, hide_sql=True) for name, q in QUERIES.items()},
        }},
    }


# -- cell rendering -----------------------------------------------------------------------
def render_diff_html(diff: str) -> str:
    """A unified diff as HTML: removed lines red, added lines green, the rest as is."""
    from markupsafe import escape

    lines = []
    for line in diff.split("\n"):
        if line.startswith("+") and not line.startswith("+++"):
            lines.append(f'<span style="background:#e6ffec">{escape(line)}</span>')
        elif line.startswith("-") and not line.startswith("---"):
            lines.append(f'<span style="background:#ffebe9">{escape(line)}</span>')
        else:
            lines.append(str(escape(line)))
    return ('<pre style="white-space:pre-wrap;max-width:60em;margin:0">'
            + "\n".join(lines) + "</pre>")


def render_snippet_html(text: str) -> str:
    """A snippet's ``[match]`` marks as ``<mark>``, the rest escaped."""
    from markupsafe import escape

    return (str(escape(text)).replace(OPEN, "<mark>").replace(CLOSE, "</mark>"))


# Datasette hooks: this module is the plugin, registered in-process by build_datasette
@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    register_functions(conn)


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Any:
    """Diffs coloured, snippet matches marked, titles of canned queries linked."""
    from markupsafe import Markup, escape

    if database != DB_NAME or not isinstance(value, str) or not value:
        return None
    if column == "diff":
        return Markup(render_diff_html(value))
    if column == "doan_trich":
        return Markup(render_snippet_html(value))
    if column == "tieu_de" and table is None and "id" in row.keys():
        href = datasette.urls.row(DB_NAME, "articles", str(row["id"]))
        return Markup(f'<a href="{escape(href)}">{escape(value)}</a>')
    return None


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/atom$", atom_view)]


async def atom_view(datasette: Any, request: Any) -> Any:
    """``/-/atom``: flagged news as Atom, filtered by ``chu_de``, ``tinh``, ``tu_ngay``,
    ``den_ngay`` (or ``topic``, ``province``, ``since``, ``until``)."""
    from datasette.utils.asgi import Response

    def arg(*names: str) -> str | None:
        return next((request.args.get(n) for n in names if request.args.get(n)), None)

    topic, province = arg("chu_de", "topic"), arg("tinh", "province")
    try:
        period = Period.parse(arg("tu_ngay", "since"), arg("den_ngay", "until"))
    except PeriodError as exc:
        return Response.text(f"{exc}\n", status=400)
    base = datasette.plugin_config("provwatch") or {}
    public = base.get("base_url") or _origin(request.url) + datasette.urls.path("/")
    rows = await datasette.get_database(DB_NAME).execute_fn(
        lambda conn: flagged_rows(conn, topic=topic, province=province, period=period,
                                  limit=FEED_LIMIT))
    query = request.query_string
    self_url = f"{public.rstrip('/')}/-/atom" + (f"?{query}" if query else "")
    body = atom_feed(rows, title=feed_title(topic, province),
                     feed_id=feed_id(topic, province),
                     self_url=self_url, page_url=lambda i: article_page_url(public, i))
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# -- launch -------------------------------------------------------------------------------
def build_datasette(db_path: str | Path, *, base_url: str | None = None) -> Any:
    """A Datasette instance over ``db_path`` (read-only), with the reading room's plugin.

    ``base_url``: the public address (``https://host/prefix/``); its path becomes
    Datasette's ``base_url`` so links work behind a proxy that serves it under a prefix.
    """
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    plugin = sys.modules[__name__]
    if not pm.is_registered(plugin):
        pm.register(plugin, name="provwatch-readingroom")
    prefix = "/"
    if base_url:
        prefix = (urlsplit(base_url).path.rstrip("/") or "") + "/"
    meta = metadata(prefix)
    if base_url:
        meta["plugins"] = {"provwatch": {"base_url": base_url}}
    ds = Datasette(metadata=meta, settings={
        "base_url": prefix, "truncate_cells_html": 400, "default_page_size": 50})
    # a mutable file is opened with ?mode=ro: read-only, and it sees the crawl's writes
    ds.add_database(Database(ds, path=str(db_path), is_mutable=True), name=DB_NAME)
    return ds


def serve(db_path: str | Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          base_url: str | None = None, log_level: str = "info") -> None:
    """Run the reading room until interrupted (Ctrl-C, SIGTERM)."""
    import uvicorn

    ds = build_datasette(db_path, base_url=base_url)
    uvicorn.run(ds.app(), host=host, port=port, log_level=log_level)
