"""The Datasette plugin of the browse view: readable article pages and cells, the edits page with
its word-level diffs, charts, Atom feeds and the downloaded attachment files.

Only wiring: the knowledge is in :mod:`.views` (diffs, SVG, Atom) and :mod:`.prepare` (the
helper views and tables). Every hook does nothing unless the metadata configures the
``newszone`` plugin (:func:`.prepare.metadata` does), so another Datasette in the same process
is left as it is. Jinja's autoescape and :mod:`markupsafe` escape everything from the archive.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from .prepare import DATABASE
from .views import atom_feed, bar_chart_svg, diff_html, diff_versions

JSON_CELLS = {"subtitles", "authors", "images", "attachments", "copyright"}
PAGE_SIZE = 50


def _config(datasette: Any) -> dict[str, Any] | None:
    return datasette.plugin_config("newszone")


def _files_url(path: str | None) -> str | None:
    return None if not path else f"/-/newszone/files/{path}"


# -- cells -----------------------------------------------------------------------------------


def _list_html(items: list[Markup]) -> Markup:
    if not items:
        return Markup("")
    return Markup("<ul>{}</ul>").format(Markup("").join(Markup("<li>{}</li>").format(i)
                                                         for i in items))


def render_json_cell(column: str, value: Any) -> Markup | None:
    """The HTML of a JSON column of ``articles`` (a list or object as text), or None when it is
    not JSON of the expected shape (Datasette then shows the text as it is).

    >>> str(render_json_cell("authors", '[{"name": "<Kim>", "email": null, "role": "reporter"}]'))
    '<ul><li>&lt;Kim&gt; (reporter)</li></ul>'
    >>> render_json_cell("authors", "not json") is None
    True
    """
    try:
        data = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        return None
    if column == "subtitles" and isinstance(data, list):
        return _list_html([escape(str(line)) for line in data])
    if column == "authors" and isinstance(data, list):
        return _list_html([
            Markup("{}{}{}").format(
                a.get("name") or "?",
                Markup(" &lt;{}&gt;").format(a["email"]) if a.get("email") else "",
                Markup(" ({})").format(a["role"]) if a.get("role") else "",
            ) for a in data if isinstance(a, dict)])
    if column == "images" and isinstance(data, list):
        return _list_html([
            Markup('<a href="{}" rel="noreferrer">{}</a>').format(
                i.get("url") or "", i.get("caption") or i.get("url") or "photo")
            for i in data if isinstance(i, dict)])
    if column == "attachments" and isinstance(data, list):
        return _list_html([_attachment_html(a) for a in data if isinstance(a, dict)])
    if column == "copyright" and isinstance(data, dict):
        return escape(data.get("text") or "")
    return None


def _attachment_html(a: dict[str, Any]) -> Markup:
    """An attachment: its name linked to the stored file when downloaded, else to the site."""
    name = a.get("name") or a.get("url") or "file"
    stored = _files_url(a.get("path"))
    if stored:
        return Markup('<a href="{}">{}</a> ({}, stored)').format(
            stored, name, a.get("size_raw") or f"{a.get('bytes')} bytes")
    return Markup('<a href="{}" rel="noreferrer">{}</a> ({}, not stored{})').format(
        a.get("url") or "", name, a.get("size_raw") or "size unknown",
        f": {a['error']}" if a.get("error") else "")


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Markup | None:
    if database != DATABASE or _config(datasette) is None:
        return None
    if column in JSON_CELLS and table in {"articles", None}:
        return render_json_cell(column, value)
    if column == "id" and table == "article_list" and value:
        return Markup('<a href="/{}/articles/{}">{}</a>').format(DATABASE, value, value)
    if column == "article_id" and value:
        return Markup('<a href="/{}/articles/{}">{}</a>').format(DATABASE, value, value)
    if (table == "edits" and column == "id") or (column == "version" and table is None):
        return Markup('<a href="/-/newszone/edits/{}">diff {}</a>').format(value, value)
    if table == "attachments" and column == "path" and value:
        return Markup('<a href="{}">{}</a>').format(_files_url(value), value)
    return None


# -- the article page ------------------------------------------------------------------------


def read_article(conn: Any, article_id: str) -> dict[str, Any] | None:
    """The article ``article_id`` with its authors, images and attachments, read from an
    SQLite connection; None when not stored."""
    conn_row = conn.execute("SELECT * FROM articles WHERE id = ?", [article_id])
    names = [d[0] for d in conn_row.description]
    found = conn_row.fetchone()
    if found is None:
        return None
    article = dict(zip(names, found, strict=True))
    article["subtitles"] = json.loads(article.get("subtitles") or "[]")
    article["paragraphs"] = [p for p in (article.get("body") or "").split("\n\n") if p.strip()]
    article["authors"] = [
        {"name": n, "email": e, "role": r} for n, e, r in conn.execute(
            "SELECT a.name, a.email, aa.role FROM article_authors aa JOIN authors a "
            "ON a.id = aa.author_id WHERE aa.article_id = ? ORDER BY aa.position", [article_id])]
    article["images"] = [
        {"url": u, "caption": c} for u, c in conn.execute(
            "SELECT url, caption FROM images WHERE article_id = ? ORDER BY position",
            [article_id])]
    article["attachment_links"] = [
        _attachment_html(dict(zip(("name", "url", "size_raw", "path", "bytes", "error"), r,
                                  strict=True)))
        for r in conn.execute(
            "SELECT name, url, size_raw, path, bytes, error FROM attachments "
            "WHERE article_id = ? ORDER BY position", [article_id])]
    article["versions"] = conn.execute(
        "SELECT id, edited_at, fields FROM edits WHERE article_id = ? ORDER BY id",
        [article_id]).fetchall()
    return article


@hookimpl
def extra_template_vars(template: str, database: str | None, table: str | None,
                        view_name: str, request: Any, datasette: Any) -> Any:
    if (database != DATABASE or table != "articles" or view_name != "row"
            or _config(datasette) is None or request is None):
        return None

    async def article() -> dict[str, Any]:
        article_id = request.url_vars.get("pks", "")
        db = datasette.get_database(DATABASE)
        found = await db.execute_fn(lambda conn: read_article(conn, article_id))
        return {"article": found}

    return article


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]] | None:
    if _config(datasette) is None:
        return None
    return [
        {"href": f"/{DATABASE}/article_list", "label": "Articles"},
        {"href": "/-/newszone/edits", "label": "Recent edits (diffs)"},
        {"href": "/-/newszone/charts", "label": "Charts"},
        {"href": "/-/newszone/feeds/articles.atom", "label": "Feed: new articles"},
        {"href": "/-/newszone/feeds/edits.atom", "label": "Feed: edits"},
    ]


# -- routes ----------------------------------------------------------------------------------


def _edit_view(row: dict[str, Any]) -> dict[str, Any]:
    """An ``edits`` row with its diffs as HTML, field by field."""
    changes = diff_versions(json.loads(row["before"]), json.loads(row["after"]))
    return {**row, "diffs": [(name, diff_html(ops)) for name, ops in changes.items()]}


async def edits_page(datasette: Any, request: Any) -> Response:
    """``/-/newszone/edits`` (the latest edits, ``?article=ID`` for one article's) and
    ``/-/newszone/edits/ID`` (one edit): each edit with its word-level diff."""
    if _config(datasette) is None:
        return Response.text("not configured", status=404)
    db = datasette.get_database(DATABASE)
    edit_id = request.url_vars.get("id")
    article = request.args.get("article")
    sql, params = "SELECT * FROM edits", []
    if edit_id is not None:
        sql, params = sql + " WHERE id = ?", [int(edit_id)]
    elif article:
        sql, params = sql + " WHERE article_id = ?", [article]
    result = await db.execute(sql + f" ORDER BY edited_at DESC, id DESC LIMIT {PAGE_SIZE}",
                              params)
    edits = [_edit_view(dict(r)) for r in result.rows]
    if edit_id is not None and not edits:
        return Response.text(f"no edit {edit_id}", status=404)
    total = (await db.execute("SELECT count(*) FROM edits")).first()[0]
    html = await datasette.render_template(
        "newszone_edits.html",
        {"edits": edits, "total": total, "one": edit_id is not None, "article": article},
        request=request,
    )
    return Response.html(html)


CHART_QUERIES = {
    "articles": "SELECT substr(published, 1, 7) AS month, coalesce(board, '?') AS board, "
                "count(*) FROM articles WHERE published IS NOT NULL GROUP BY 1, 2 ORDER BY 1",
    "edits": "SELECT substr(edited_at, 1, 7), count(*) FROM edits GROUP BY 1 ORDER BY 1",
    "runs": "SELECT started_at, coalesce(new, 0) + coalesce(changed, 0) + coalesce(unchanged, 0),"
            " coalesce(failed, 0) FROM runs ORDER BY started_at DESC LIMIT 40",
}


async def charts_page(datasette: Any, request: Any) -> Response:
    """``/-/newszone/charts``: articles per month per board, edits per month, run history."""
    if _config(datasette) is None:
        return Response.text("not configured", status=404)
    db = datasette.get_database(DATABASE)
    per_board: dict[str, dict[str, int]] = {}
    months: list[str] = []
    for month, board, count in (await db.execute(CHART_QUERIES["articles"])).rows:
        if month not in months:
            months.append(month)
        per_board.setdefault(board, {})[month] = count
    edits = (await db.execute(CHART_QUERIES["edits"])).rows
    runs = list(reversed((await db.execute(CHART_QUERIES["runs"])).rows))
    charts = [
        ("Articles per month per board", bar_chart_svg(
            "Articles per month per board", months,
            {b: [m.get(month, 0) for month in months] for b, m in per_board.items()})),
        ("Edits per month", bar_chart_svg(
            "Edits per month", [r[0] for r in edits], {"edits": [r[1] for r in edits]})),
        ("Run history", bar_chart_svg(
            "Run history: articles fetched and failures per run",
            [(r[0] or "?")[:16] for r in runs],
            {"fetched": [r[1] for r in runs], "failed": [r[2] for r in runs]})),
    ]
    html = await datasette.render_template("newszone_charts.html", {"charts": charts},
                                           request=request)
    return Response.html(html)


FEEDS = {
    "articles": (
        "New articles",
        "SELECT id, title, published, first_seen, url, body FROM articles "
        "ORDER BY first_seen DESC, published DESC, id DESC LIMIT 50",
    ),
    "edits": (
        "Edits",
        "SELECT id, article_id, title, edited_at, fields FROM edits "
        "ORDER BY edited_at DESC, id DESC LIMIT 50",
    ),
}


async def feed(datasette: Any, request: Any) -> Response:
    """``/-/newszone/feeds/articles.atom`` and ``/-/newszone/feeds/edits.atom``."""
    if _config(datasette) is None:
        return Response.text("not configured", status=404)
    name = request.url_vars["name"]
    title, sql = FEEDS[name]
    rows = (await datasette.get_database(DATABASE).execute(sql)).rows
    base = f"{request.scheme}://{request.host}"
    if name == "articles":
        entries = [{"id": f"{base}/{DATABASE}/articles/{r['id']}", "title": r["title"],
                    "updated": r["first_seen"], "link": f"{base}/{DATABASE}/articles/{r['id']}",
                    "summary": (r["body"] or "")[:500]} for r in rows]
    else:
        entries = [{"id": f"{base}/-/newszone/edits/{r['id']}", "title": r["title"],
                    "updated": r["edited_at"], "link": f"{base}/-/newszone/edits/{r['id']}",
                    "summary": f"{r['article_id']}: changed {r['fields']}"} for r in rows]
    body = atom_feed(f"{base}/-/newszone/feeds/{name}.atom", f"News Zone archive: {title}",
                     f"{base}/-/newszone/feeds/{name}.atom", entries)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def resolve_file(root: str | Path, path: str) -> Path | None:
    """The file at ``path`` (relative, as the ``attachments`` table names it) inside ``root``,
    or None when it would lie outside ``root`` or is not a file.

    >>> here = Path(__file__).parent
    >>> resolve_file(here, "../__main__.py") is None, resolve_file(here, "views.py").name
    (True, 'views.py')
    """
    base = Path(root).resolve()
    target = (base / path).resolve()
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return target


async def stored_file(datasette: Any, request: Any) -> Response:
    """``/-/newszone/files/PATH``: a downloaded attachment, always as a download (never shown
    inline: a file from the site must not run as a page of the browse view)."""
    config = _config(datasette)
    root = (config or {}).get("files_root")
    target = resolve_file(root, request.url_vars["path"]) if root else None
    if target is None:
        return Response.text("no such stored file", status=404)
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return Response(
        target.read_bytes(),
        content_type=content_type,
        headers={"Content-Disposition": f'attachment; filename="{target.name}"',
                 "X-Content-Type-Options": "nosniff",
                 "Content-Security-Policy": "sandbox; default-src 'none'"},
    )


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/newszone/edits$", edits_page),
        (r"^/-/newszone/edits/(?P<id>\d+)$", edits_page),
        (r"^/-/newszone/charts$", charts_page),
        (r"^/-/newszone/feeds/(?P<name>articles|edits)\.atom$", feed),
        (r"^/-/newszone/files/(?P<path>[A-Za-z0-9_./-]+)$", stored_file),
    ]
