"""A local stand-in for the Telegram Bot API that checks what Telegram would refuse.

It answers ``POST /bot<token>/sendMessage`` like the real API: 200 with ``{"ok": true}``
for a valid message; 400 with a ``description`` when the text is longer than 4,096
characters or is not valid Telegram HTML (only Telegram's tags, balanced, entities
escaped). Every accepted message is kept, with its chat id and the token used.
"""

from __future__ import annotations

import json
import re
import threading
from html.parser import HTMLParser
from typing import Any

from tests.localservers import LoopbackServer, QuietHandler

TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span",
                 "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote"}
ENTITIES = {"lt", "gt", "amp", "quot"}
# Telegram: every & not part of a named (lt gt amp quot) or numeric entity must be escaped
BARE_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);)")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.errors.append(f"unsupported start tag \"{tag}\"")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"can't find end tag corresponding to start tag \"{tag}\"")
        else:
            self.stack.pop()

    def handle_entityref(self, name: str) -> None:
        if name not in ENTITIES:
            self.errors.append(f"unsupported entity &{name};")


def telegram_html_errors(text: str) -> list[str]:
    checker = _Checker()
    for bare in BARE_AMPERSAND.finditer(text):
        checker.errors.append(f"character entity expected at offset {bare.start()}")
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.errors.append(f"unclosed tags {checker.stack}")
    return checker.errors


class TelegramStandIn(LoopbackServer):
    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.down = False
        self.fail_call: int | None = None  # answer 502 to this sendMessage call (1-based)
        self.calls = 0
        # hold this sendMessage call (1-based) until ``release`` is set, then refuse it:
        # a message in flight when the sender is killed
        self.hold_call: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        bot = self

        class Handler(QuietHandler):
            def _answer(self, status: int, body: dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if bot.down:
                    self._answer(502, {"ok": False, "description": "Bad Gateway"})
                    return
                token, _, method = self.path.removeprefix("/bot").partition("/")
                payload = json.loads(raw or b"{}")
                if method != "sendMessage":
                    self._answer(200, {"ok": True, "result": {"id": 1, "is_bot": True}})
                    return
                bot.calls += 1
                if bot.calls == bot.hold_call:
                    bot.held.set()
                    bot.release.wait(30)
                    self._answer(502, {"ok": False, "description": "Bad Gateway"})
                    return
                if bot.calls == bot.fail_call:
                    self._answer(502, {"ok": False, "description": "Bad Gateway"})
                    return
                text = payload.get("text", "")
                problems = []
                if len(text) > 4096:
                    problems.append(f"message is too long ({len(text)} > 4096)")
                if payload.get("parse_mode") == "HTML":
                    problems += telegram_html_errors(text)
                if problems:
                    bot.refused.append("; ".join(problems))
                    self._answer(400, {"ok": False, "error_code": 400,
                                       "description": "Bad Request: can't parse entities: "
                                                      + "; ".join(problems)})
                    return
                bot.messages.append({"token": token, "chat_id": str(payload.get("chat_id")),
                                     "text": text})
                self._answer(200, {"ok": True, "result": {"message_id": len(bot.messages)}})

        self.serve(Handler)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, token: str = "123456789:AAFakeTokenForTestsOnly0123456789", chat: str = "4242"
            ) -> str:
        return f"tgram://{token}/{chat}"

