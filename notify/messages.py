"""Alert messages in Vietnamese: plain text, and HTML for Telegram and email.

A message is made of lines; each HTML line is balanced markup around escaped text, so a
message can be cut between lines or shortened inside one (the plain text is cut, then
escaped and wrapped again) without ever splitting an entity or leaving a tag open.

Telegram takes 4,096 characters a message and apprise posts the title in front of the body
(``<b>title</b>`` and a line break) with every ``\\n`` written as ``\\r\\n``;
:func:`telegram_length` counts what apprise will post, so a message measured under the
limit here is never refused there. Digests are split between article blocks.

Everything in a message comes from a page and is escaped for where it goes: Telegram HTML
(the title too: apprise writes it into the body as ``<b>title</b>`` without escaping it),
email HTML, Markdown for the services that render Markdown in plain messages although
apprise sends them text untouched (Discord, Mattermost, Zulip: :func:`markdown_text`), or
plain text for every other service (apprise escapes text for Markdown-only services). A
link's address is percent-encoded where a quote or bracket could end its ``href``. Titles
are clipped to :data:`TITLE_MAX` characters and other values to :data:`FIELD_MAX` before
anything is built: a page with a 200 kB title made building an email header take minutes.

Email gets its own HTML (:attr:`Message.email`): paragraphs, line breaks and the link
written out, because apprise derives the email's text part from that HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from crawler.core.text import clip

TELEGRAM_LIMIT = 4096
TITLE_MAX = 300  # characters of a page title in a subject, a heading or a block
FIELD_MAX = 2000  # characters of any other value (lead, changes, detail)
# apprise writes an email subject as one encoded word on one line, never folded, and SMTP
# servers refuse lines over 998 characters (RFC 5321): a subject's quoted-printable form
# is kept under this many characters (about 100 to 300 Vietnamese characters)
SUBJECT_ENCODED_MAX = 900
ELLIPSIS = "…"
KIND_TITLES = {"new": "Tin mới", "changed": "Bài viết được cập nhật", "health": "Cảnh báo nguồn",
               "recovered": "Nguồn hoạt động lại", "test": "Tin nhắn thử"}
# Lines shortened first when a block does not fit: what changed, the lead, the title.
_SHRINK_ORDER = ("changes", "lead", "title", "matched", "detail", "topic", "source", "province")
_MIN_KEEP = 24  # characters of a shortened value worth keeping


@dataclass(frozen=True)
class Message:
    """One message: a plain title (the email subject), plain text, Telegram HTML and the
    HTML of an email (empty: use ``html``)."""

    title: str
    text: str
    html: str
    email: str = ""


_MARKDOWN_SIGN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>@])")
# a web address, without the closing brackets and punctuation that follow one in prose
_ADDRESS = re.compile(r"https?://[^\s<>\\()\[\]]+[^\s<>\\()\[\].,;:!?'\"]")


def markdown_text(text: str) -> str:
    """Plain text for a service that renders Markdown: every Markdown sign escaped (an
    ``@`` too: ``@everyone`` must not ping), web addresses written as ``<autolinks>`` so
    they stay whole and visible (a page cannot hide a link behind its own words)."""
    out: list[str] = []
    last = 0
    for match in _ADDRESS.finditer(text):
        out += [_MARKDOWN_SIGN.sub(r"\\\1", text[last:match.start()]), f"<{match.group(0)}>"]
        last = match.end()
    out.append(_MARKDOWN_SIGN.sub(r"\\\1", text[last:]))
    return "".join(out)


def telegram_title(title: str) -> str:
    """The title as apprise must be given it for Telegram: escaped, since apprise puts it
    into the HTML body unescaped."""
    return html.escape(title, quote=False)


def href(url: str) -> str:
    """A page address safe inside ``href="..."``: quotes, brackets and spaces percent-
    encoded (apprise turns ``&quot;`` back into ``"`` for Telegram), ``&`` escaped."""
    return html.escape(quote(url, safe="/:?#[]@!$&()*+,;=%~-._"), quote=True)


def telegram_length(text: str) -> int:
    """What Telegram counts for ``text`` as apprise posts it, never less.

    UTF-16 code units (an emoji counts two), plus one per newline (apprise writes ``\\r\\n``).
    Tags and entities are counted as written, which over-counts: Telegram counts after
    parsing them.
    """
    return len(text.encode("utf-16-le")) // 2 + text.count("\n")


def posted_length(message: Message) -> int:
    """Length of the HTML message as apprise posts it to Telegram (title in the body)."""
    return telegram_length(f"<b>{telegram_title(message.title)}</b>\n{message.html}")


def format_time(value: str | None) -> str:
    """``2023-05-08T18:14:00+07:00`` → ``18:14 08/05/2023`` (day first, local time)."""
    if not value:
        return "không rõ"
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    return when.strftime("%H:%M %d/%m/%Y") if (when.hour or when.minute) else \
        when.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class _Line:
    """One line of a block: a value with its plain and HTML framing."""

    key: str
    value: str
    text_prefix: str = ""
    html_prefix: str = ""  # markup, already escaped
    html_open: str = ""
    html_close: str = ""
    text_only: bool = False  # the link line: in HTML the title carries the link

    def text(self) -> str:
        return self.text_prefix + self.value

    def html(self) -> str:
        return self.html_prefix + self.html_open + html.escape(self.value, quote=False) + \
            self.html_close

    def shortened(self, room: int, *, markup: bool) -> _Line | None:
        """This line cut (at a word where possible) to at most ``room`` characters, or None."""
        measure = (lambda ln: telegram_length(ln.html())) if markup else \
            (lambda ln: len(ln.text()))
        fixed = measure(_Line(self.key, "", self.text_prefix, self.html_prefix, self.html_open,
                              self.html_close))
        if fixed + len(ELLIPSIS) + _MIN_KEEP > room:
            return None
        low, high = 0, len(self.value)  # longest prefix whose rendered line fits
        while low < high:
            mid = (low + high + 1) // 2
            if measure(self._with(self.value[:mid].rstrip() + ELLIPSIS)) <= room:
                low = mid
            else:
                high = mid - 1
        cut = self.value[:low]
        word = cut.rsplit(" ", 1)[0]
        if len(word) >= max(_MIN_KEEP, low * 3 // 4):
            cut = word
        return self._with(cut.rstrip(" ,;:") + ELLIPSIS)

    def _with(self, value: str) -> _Line:
        return _Line(self.key, value, self.text_prefix, self.html_prefix, self.html_open,
                     self.html_close, self.text_only)


def _province_line(p: dict[str, Any]) -> str | None:
    province = p.get("province")
    if not province:
        return None
    former = [f for f in p.get("former_provinces") or [] if f != province]
    return f"{province} (trước 2025: {', '.join(former)})" if former else province


def _field(key: str, label: str, value: str) -> _Line:
    return _Line(key, clip(value, FIELD_MAX), f"{label}: ", f"<b>{html.escape(label)}:</b> ")


def _title(p: dict[str, Any]) -> str:
    return clip(" ".join(str(p.get("title") or "").split()), TITLE_MAX) or "(không có tiêu đề)"


def _url(p: dict[str, Any]) -> str | None:
    url = p.get("url")
    return str(url) if url else None


def _lines(p: dict[str, Any]) -> list[_Line]:
    title = _title(p)
    url = _url(p)
    head = _Line("title", title, html_open=f'<b><a href="{href(url)}">'
                 if url else "<b>", html_close="</a></b>" if url else "</b>")
    lines = [head]
    province = _province_line(p)
    if province:
        lines.append(_field("province", "Tỉnh/thành", province))
    if p.get("source"):
        lines.append(_field("source", "Nguồn", str(p["source"])))
    if p.get("kind") in ("new", "changed", "test"):
        lines.append(_field("published", "Đăng lúc", format_time(p.get("published"))))
    if p.get("topic_name") or p.get("topic"):
        lines.append(_field("topic", "Chủ đề", str(p.get("topic_name") or p["topic"])))
    if p.get("matched"):
        lines.append(_field("matched", "Từ khóa", ", ".join(p["matched"])))
    if p.get("lead"):
        lines.append(_Line("lead", clip(str(p["lead"]), FIELD_MAX), html_open="<i>",
                           html_close="</i>"))
    if p.get("changes"):
        lines.append(_Line("changes", clip(str(p["changes"]), FIELD_MAX), "Thay đổi:\n",
                           "<b>Thay đổi:</b>\n", "<pre>", "</pre>"))
    if p.get("detail"):
        lines.append(_Line("detail", clip(str(p["detail"]), FIELD_MAX)))
    if url:
        lines.append(_Line("url", url, "Đọc bài: ", text_only=True))
    room = p.get("room_url")
    if room:  # the article (or its changes) in the team's reading room, provwatch serve
        lines.append(_Line("room", str(room), "Phòng đọc: ", "<b>Phòng đọc:</b> ",
                           f'<a href="{href(str(room))}">', "</a>"))
    return lines


def _render(lines: Sequence[_Line], *, markup: bool) -> str:
    if markup:
        return "\n".join(ln.html() for ln in lines if not ln.text_only)
    return "\n".join(ln.text() for ln in lines)


def _fit_lines(lines: list[_Line], limit: int | None, *, markup: bool) -> list[_Line]:
    """Shorten the longest, least needed lines until the block fits ``limit``."""
    if limit is None:
        return lines
    measure = telegram_length if markup else len

    def size() -> int:
        return measure(_render(lines, markup=markup))

    for key in _SHRINK_ORDER:
        excess = size() - limit
        if excess <= 0:
            return lines
        for i, line in enumerate(lines):
            if line.key != key or (markup and line.text_only):
                continue
            own = measure(line.html() if markup else line.text())
            short = line.shortened(own - excess, markup=markup)
            if short is None:
                del lines[i]
            else:
                lines[i] = short
            break
    while len(lines) > 1 and size() > limit:  # a tiny limit: keep what fits, title first
        del lines[-1]
    if size() > limit:
        short = lines[0].shortened(limit, markup=markup)
        if short is None:
            raise ValueError(f"a message limit of {limit} characters cannot hold an alert")
        lines[0] = short
    return lines


def block_text(p: dict[str, Any], limit: int | None = None) -> str:
    """One alert as plain text, at most ``limit`` characters."""
    return _render(_fit_lines(_lines(p), limit, markup=False), markup=False)


def block_html(p: dict[str, Any], limit: int | None = None) -> str:
    """One alert as Telegram-safe HTML, at most ``limit`` (:func:`telegram_length`)."""
    return _render(_fit_lines(_lines(p), limit, markup=True), markup=True)


def block_email(p: dict[str, Any]) -> str:
    """One alert as email HTML: the head lines in one paragraph with line breaks, the lead,
    what changed and the link in paragraphs of their own (apprise's text part keeps them
    as lines), every value escaped."""
    head: list[str] = []
    after: list[str] = []
    for line in _lines(p):
        if line.key == "url":
            continue
        if line.key == "lead":
            after.append(f"<p>{line.html()}</p>")
        elif line.key == "changes":
            after.append(f"<p><b>Thay đổi:</b></p><pre>{html.escape(line.value, quote=False)}"
                         "</pre>")
        elif line.key == "detail":
            after.append(f"<p>{html.escape(line.value, quote=False)}</p>")
        else:
            head.append(line.html())
    url = _url(p)
    if url:
        after.append(f'<p>Đọc bài: <a href="{href(url)}">{html.escape(url, quote=False)}</a></p>')
    return "<div>" + f"<p>{'<br>'.join(head)}</p>" + "".join(after) + "</div>"


def email_document(title: str, body: str) -> str:
    """A whole HTML email: the subject as its heading, then the blocks."""
    return f"<h2>{html.escape(title, quote=False)}</h2>{body}"


def _encoded_length(text: str) -> int:
    """Length of ``text`` as a quoted-printable encoded word (what apprise puts on the
    Subject line): letters, digits and spaces one character, anything else three per byte."""
    return sum(1 if (c.isascii() and (c.isalnum() or c == " ")) else 3 * len(c.encode())
               for c in text)


def clip_subject(text: str, budget: int = SUBJECT_ENCODED_MAX) -> str:
    """``text`` cut (with an ellipsis) so that its encoded Subject line stays under the
    SMTP line limit; titles are clipped this way before any message is built."""
    if _encoded_length(text) <= budget:
        return text
    room = budget - _encoded_length(ELLIPSIS)
    used = 0
    for end, char in enumerate(text):
        used += _encoded_length(char)
        if used > room:
            return text[:end].rstrip() + ELLIPSIS
    return text


def heading(kind: str, p: dict[str, Any]) -> str:
    topic = p.get("topic_name") or p.get("topic")
    prefix = f"[{clip(str(topic), 80)}] " if topic else ""
    title = _title(p) if p.get("title") else ""
    return clip_subject(f"{prefix}{KIND_TITLES.get(kind, kind)}: {title}".strip())


def _title_room(title: str, limit: int) -> int:
    return limit - telegram_length(f"<b>{html.escape(title)}</b>\n")


def article_message(payload: dict[str, Any], *, limit: int | None = None) -> Message:
    """One message for one alert; with ``limit``, its posted HTML fits (title included)."""
    kind = payload.get("kind", "new")
    title = heading(kind, payload)
    if limit is not None and _title_room(title, limit) < limit // 2:
        title = title[: limit // 4].rstrip() + ELLIPSIS
    room = None if limit is None else _title_room(title, limit)
    return Message(title=title, text=block_text(payload, room), html=block_html(payload, room),
                   email=email_document(title, block_email(payload)))


def digest_parts(alerts: Sequence[dict[str, Any]], *, limit: int | None = TELEGRAM_LIMIT,
                 ) -> list[tuple[list[int], Message]]:
    """A digest grouped by province, split between article blocks under ``limit`` characters.

    Returns each part with the ids of the alerts it carries, so that every part can be
    recorded as delivered on its own: a failure in part 3 never re-sends parts 1 and 2.
    ``limit`` bounds each part's HTML as apprise posts it to Telegram (title included);
    None sends one part whatever its size (email, webhooks).
    """
    by_province: dict[str, list[dict[str, Any]]] = {}
    for alert in alerts:
        province = alert["payload"].get("province") or "Không rõ tỉnh"
        by_province.setdefault(province, []).append(alert)
    title = f"Bản tin provwatch: {len(alerts)} tin"
    # room for the longest title a part can have: "… (99/99)"
    room = None if limit is None else _title_room(f"{title} (999/999)", limit)
    parts: list[tuple[list[int], list[str], list[str], list[str]]] = []
    ids: list[int] = []
    texts: list[str] = []
    htmls: list[str] = []
    emails: list[str] = []

    def flush() -> None:
        nonlocal ids, texts, htmls, emails
        if texts:
            parts.append((ids, texts, htmls, emails))
        ids, texts, htmls, emails = [], [], [], []

    def fits(candidate: list[str]) -> bool:
        return room is None or telegram_length("\n\n".join(candidate)) <= room

    for province in sorted(by_province):
        group = by_province[province]
        head_text = f"== {province} ({len(group)}) =="
        head_html = f"<b>== {html.escape(province)} ({len(group)}) ==</b>"
        head_email = f"<h3>== {html.escape(province, quote=False)} ({len(group)}) ==</h3>"
        block_room = None if room is None else room - telegram_length(head_html + "\n\n")
        for index, alert in enumerate(group):
            t = block_text(alert["payload"], block_room)
            h = block_html(alert["payload"], block_room)
            new_t, new_h = [t], [h]
            if index == 0 or not texts:
                new_t.insert(0, head_text)
                new_h.insert(0, head_html)
            new_e = [head_email] if len(new_t) == 2 else ["<hr>"]
            if texts and not fits([*htmls, *new_h]):
                flush()
                new_t, new_h, new_e = [head_text, t], [head_html, h], [head_email]
            ids.append(int(alert["id"]))
            texts += new_t
            htmls += new_h
            emails += [*new_e, block_email(alert["payload"])]
    flush()
    n = len(parts)
    titles = [title if n == 1 else f"{title} ({i + 1}/{n})" for i in range(n)]
    return [(part_ids, Message(title=titles[i], text="\n\n".join(t), html="\n\n".join(h),
                               email=email_document(titles[i], "".join(e))))
            for i, (part_ids, t, h, e) in enumerate(parts)]
