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

from crawler.archive.exportrows import Period, PeriodError, local_time
from crawler.archive.feeds import atom_feed, feed_id, feed_title, flagged_rows
from crawler.archive.snippets import CLOSE, OPEN, snippet
from crawler.core.text import fold

DB_NAME = "provwatch"  # the database's name in every reading-room URL, whatever the file
BASE_URL_ENV = "PROVWATCH_SERVE_BASE_URL"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001
FEED_LIMIT = 200

hookimpl = pluggy.HookimplMarker("datasette")


def article_page_url(base: str, article_id: int) -> str:
    """The article's page in the reading room reached at ``base`` (``https://host/prefix``)."""
    return f"{base.rstrip('/')}/{DB_NAME}/articles/{int(article_id)}"


def article_changes_url(base: str, article_id: int) -> str:
    """The page listing an article's changes with their diffs (for a ``changed`` alert)."""
    return f"{base.rstrip('/')}/{DB_NAME}/bai_thay_doi?id={int(article_id)}"


def configured_base_url() -> str | None:
    """The reading room's public address from ``PROVWATCH_SERVE_BASE_URL``, if set."""
    value = os.environ.get(BASE_URL_ENV, "").strip()
    return value or None


# -- SQL functions ------------------------------------------------------------------------
def _fts(query: str | None) -> str:
    """``provwatch search``'s FTS5 query for ``query``; an empty query matches nothing."""
    from store.db import fts_query

    return fts_query(query or "", fold) or '""'


def _province(query: str | None, current: str | None, former: str | None) -> int:
    from crawler.core.provinces import province_matches

    if not query:
        return 1
    names = json.loads(former) if former else []
    return int(province_matches(query, current, names))


def vn_time(value: str | None) -> str | None:
    """An ISO time as a Vietnamese reader writes it, local and day first: 04/12/2026 09:30."""
    local = local_time(value)
    if not local or len(local) < 16 or local[4] != "-":
        return local
    return f"{local[8:10]}/{local[5:7]}/{local[0:4]} {local[11:16]}"


def register_functions(conn: sqlite3.Connection) -> None:
    """The reading room's SQL functions, on one connection."""
    conn.create_function("pw_fold", 1, lambda s: fold(s or ""), deterministic=True)
    conn.create_function("pw_fts", 1, _fts, deterministic=True)
    conn.create_function("pw_snippet", 2, lambda text, q: snippet(text, q or ""),
                         deterministic=True)
    conn.create_function("pw_province", 3, _province, deterministic=True)
    conn.create_function("pw_local", 1, local_time, deterministic=True)
    conn.create_function("pw_vn_time", 1, vn_time, deterministic=True)


# -- canned queries -----------------------------------------------------------------------
_STORY_COLUMNS = """
  a.id, a.title AS "Tiêu đề", a.province AS "Tỉnh",
  (SELECT group_concat(value, ', ') FROM json_each(a.former_provinces)) AS "Tỉnh cũ",
  a.topic AS "Chủ đề", a.source AS "Nguồn", pw_vn_time(a.published) AS "Ngày đăng",
  pw_vn_time(a.first_seen) AS "Thấy lần đầu", round(a.score, 2) AS "Điểm",
  (SELECT COUNT(*) FROM articles c WHERE c.duplicate_of = a.id) AS "Bản đăng lại",
  coalesce(a.link, a.url) AS "Liên kết"
"""
# listing pages (page_kind 'listing', schema 6) are kept in the table but are no articles
_FLAGGED = """a.relevant = 1 AND a.duplicate_of IS NULL AND a.page_kind = 'article'
  AND (:tinh = '' OR pw_province(:tinh, a.province, a.former_provinces))
  AND (:chu_de = '' OR a.topic = :chu_de)"""
# an article's day: its publication date in Vietnam, else the day provwatch first saw it
_DAY = "date(coalesce(a.published, a.first_seen), '+7 hours')"
_NEWEST = "julianday(coalesce(a.published, a.first_seen)) DESC, a.id DESC"

_FILTER_HELP = ("Để trống <em>tinh</em> và <em>chu_de</em> để xem tất cả; tỉnh viết có hay "
                "không dấu, tên hiện nay hoặc tên trước sáp nhập (Hà Giang, ha giang); chủ đề "
                "theo mã trong topics.toml (dx, an-toan-thong-tin). Mỗi tin chỉ hiện một lần; "
                "<em>Bản đăng lại</em>: số bản sao ở nguồn khác. Giờ Việt Nam.")

QUERIES: dict[str, dict[str, Any]] = {
    "tin_cds_hom_nay": {
        "title": "Tin được gắn cờ hôm nay, theo tỉnh và chủ đề",
        "description_html": "Tin đăng hôm nay (bài không ghi ngày tính theo ngày provwatch "
                            "thấy lần đầu). " + _FILTER_HELP,
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
        "sql": "SELECT coalesce(a.province, '(toàn quốc)') AS \"Tỉnh\", a.topic AS "
               "\"Chủ đề\", COUNT(*) AS \"Số tin\", SUM(a.version > 1) AS \"Có sửa đổi\"\n"
               "FROM articles a\nWHERE a.relevant = 1 AND a.duplicate_of IS NULL "
               "AND a.page_kind = 'article'\n"
               f"  AND {_DAY} >= date('now', '+7 hours', '-6 days')\n"
               "GROUP BY 1, 2 ORDER BY 3 DESC, 1",
    },
    "bai_thay_doi": {
        "title": "Bài đã thay đổi và nội dung sửa",
        "description_html": "Mỗi lần một bài đã lưu đổi tiêu đề hoặc nội dung: phiên bản mới "
                            "và phần khác (dòng <code>-</code> bị bỏ, <code>+</code> được "
                            "thêm). Nhập <em>id</em> để xem một bài.",
        "sql": "SELECT v.article_id AS id, a.title AS \"Tiêu đề\", a.province AS \"Tỉnh\", "
               "a.source AS \"Nguồn\", v.version AS \"Phiên bản\", pw_vn_time(v.seen_at) AS "
               "\"Thời điểm\", v.diff AS \"Nội dung sửa\"\n"
               "FROM versions v JOIN articles a ON a.id = v.article_id\n"
               "WHERE v.version > 1 AND a.page_kind = 'article' "
               "AND (:id = '' OR v.article_id = :id)\n"
               "ORDER BY v.seen_at DESC, v.article_id, v.version DESC",
    },
    "ban_trung_lap": {
        "title": "Tin đăng lại ở nhiều nguồn, gộp theo tin gốc",
        "description": "Tin gốc (bản provwatch thấy đầu tiên) và các bản sao trùng nội dung; "
                       "bản sao không bao giờ gửi cảnh báo.",
        "sql": "SELECT r.id, r.title AS \"Tiêu đề\", r.source AS \"Nguồn gốc\", "
               "r.province AS \"Tỉnh\", COUNT(c.id) AS \"Số bản sao\", "
               "group_concat(c.source || ' #' || c.id, ', ') AS \"Các bản sao\"\n"
               "FROM articles r JOIN articles c ON c.duplicate_of = r.id\n"
               "GROUP BY r.id ORDER BY 5 DESC, r.id DESC",
    },
    "suc_khoe_nguon": {
        "title": "Tình trạng các nguồn",
        "description": "Sau mỗi lần chạy: số lần liên tiếp không truy cập được, không thấy "
                       "bài (trang danh sách đổi), bài ngắn bất thường (bố cục bài đổi); lần "
                       "chạy tốt gần nhất.",
        "sql": "SELECT h.source AS \"Nguồn\", s.name AS \"Tên\", s.province AS \"Tỉnh\",\n"
               "  CASE WHEN h.fail_streak > 0 THEN 'không truy cập được' "
               "WHEN h.empty_streak > 0 THEN 'không thấy bài' "
               "WHEN h.short_streak > 0 THEN 'bài ngắn bất thường' ELSE 'tốt' END "
               "AS \"Tình trạng\",\n  h.fail_streak AS \"Lỗi liên tiếp\", h.empty_streak AS "
               "\"Trống liên tiếp\", h.short_streak AS \"Ngắn liên tiếp\",\n"
               "  pw_vn_time(h.last_success) AS \"Lần chạy tốt gần nhất\", h.last_error AS "
               "\"Lỗi gần nhất\",\n  (SELECT COUNT(*) FROM articles a WHERE a.source = "
               "h.source) AS \"Số bài\"\n"
               "FROM source_health h LEFT JOIN sources s ON s.id = h.source\n"
               "ORDER BY (h.fail_streak + h.empty_streak + h.short_streak) DESC, h.source",
    },
    "tim_kiem": {
        "title": "Tìm trong tiêu đề và nội dung",
        "description": "Gõ có dấu hoặc không dấu: 'chuyen doi so' tìm được 'chuyển đổi số'. "
                       "Đoạn trích lấy từ nguyên văn bài. 100 kết quả khớp nhất.",
        # ranked and cut first, snippets only for the rows shown (10,000 matching
        # articles: 2.8 s with the snippet in the ranked query)
        "sql": "SELECT a.id, a.title AS \"Tiêu đề\", pw_snippet(a.text, :q) AS "
               "\"Đoạn trích\", a.province AS \"Tỉnh\", a.source AS \"Nguồn\", "
               "pw_vn_time(a.published) AS \"Ngày đăng\",\n"
               "  CASE WHEN a.relevant THEN a.topic ELSE '' END AS \"Gắn cờ\", "
               "a.duplicate_of AS \"Bản sao của\"\n"
               "FROM (SELECT b.rowid AS hit, bm25(articles_fts, 5.0, 1.0) AS rank\n"
               "  FROM articles_fts JOIN articles b ON b.rowid = articles_fts.rowid\n"
               "  WHERE articles_fts MATCH pw_fts(:q) AND b.page_kind = 'article'\n"
               "  ORDER BY rank LIMIT 100) m\n"
               "JOIN articles a ON a.rowid = m.hit\nORDER BY m.rank",
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
    # the page's own font: monospace fonts often lack the precomposed Vietnamese letters
    return ('<pre style="white-space:pre-wrap;max-width:60em;margin:0;font-family:inherit">'
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
    if column in ("diff", "Nội dung sửa"):
        return Markup(render_diff_html(value))
    if column == "Đoạn trích":
        return Markup(render_snippet_html(value))
    if column == "Liên kết" and value.startswith(("http://", "https://")):
        host = urlsplit(value).netloc  # the source's address, short: titles get the room
        return Markup(f'<a href="{escape(value)}" title="{escape(value)}">{escape(host)} ↗</a>')
    if column == "Tiêu đề" and table is None and "id" in row.keys():
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
    if "_memory" in ds.databases:  # added by Datasette when it was given no file
        ds.remove_database("_memory")
    return ds


def serve(db_path: str | Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
          base_url: str | None = None, log_level: str = "info") -> None:
    """Run the reading room until interrupted (Ctrl-C, SIGTERM)."""
    import uvicorn

    ds = build_datasette(db_path, base_url=base_url)
    uvicorn.run(ds.app(), host=host, port=port, log_level=log_level)
