"""Delivery through Apprise (store/delivery.py) to a real SMTP server
(aiosmtpd) and a real HTTP JSON receiver started here: Chinese text intact,
one message each; a receiver that is down fails at once; a silent one is
waited for no longer than the timeout; failures in our words, never with the
address's secrets. And the retry schedule."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pendulum
import pytest
from aiosmtpd.controller import Controller

from store.delivery import Retry, _reason, address_label, check_address, check_addresses, check_retry, send
from store.errors import RuleViolation
from store.i18n import set_language
from store.rules.notices import render
from tests.test_notices import ASSIGNED, ESCALATED

TITLE = "工单 #1500（P1 紧急）已派给您"
BODY = "网点：建国路支行\n故障：读卡器卡卡\n消息编号 77"


@pytest.fixture(autouse=True)
def english() -> None:
    set_language("en")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Inbox]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=30)
    controller.start()
    yield port, inbox
    controller.stop()


class Receiver:
    """A JSON webhook: records each POST, answers with ``status``."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.posts.append((self.path, json.loads(data)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def mailto(port: int, to: str = "wang@center.cn") -> str:
    return f"mailto://dispatch:s3cretPW@127.0.0.1:{port}?from=dispatch@center.cn&to={to}&mode=insecure&user=dispatch"


# ------------------------------------------------------------- delivering

def test_email_arrives_once_with_its_chinese_intact(smtp: tuple[int, Inbox]) -> None:
    port, inbox = smtp
    result = send([f"mailto://127.0.0.1:{port}?from=dispatch@center.cn&to=wang@center.cn&mode=insecure"], TITLE, BODY)
    assert result.ok and result.error is None and result.failed == ()
    [msg] = inbox.messages
    assert msg["Subject"] == TITLE and msg["To"] == "wang@center.cn"
    assert msg.get_content_type() == "text/plain"  # plain, no HTML part
    assert msg.get_content().replace("\r\n", "\n").rstrip("\n") == BODY  # (SMTP lines end in CRLF)


def test_a_json_webhook_gets_one_post_with_title_and_body(receiver: Receiver) -> None:
    result = send([f"json://127.0.0.1:{receiver.port}/hook"], TITLE, BODY)
    assert result.ok
    [(path, data)] = receiver.posts
    assert path == "/hook" and data["title"] == TITLE and data["message"] == BODY


def test_rendered_notices_reach_both_in_the_recipients_language(smtp: tuple[int, Inbox], receiver: Receiver) -> None:
    port, inbox = smtp
    assigned, escalated = render(ASSIGNED, 77, "zh_Hans"), render(ESCALATED, 78, "en")
    assert send([f"mailto://127.0.0.1:{port}?from=d@center.cn&to=wang@center.cn&mode=insecure"],
                assigned.title, assigned.body).ok
    assert send([f"json://127.0.0.1:{receiver.port}/esc"], escalated.title, escalated.body).ok
    [msg] = inbox.messages
    assert msg["Subject"] == "工单 #1500（P1 紧急）已派给您" and "消息编号 77" in msg.get_content()
    [(_path, data)] = receiver.posts
    assert data["title"].startswith("#1500 escalated, level 2") and data["message"].endswith("ref 78")


def test_a_receiver_that_is_down_fails_at_once_and_says_so_without_secrets() -> None:
    url = f"json://hook:TOPSECRET@127.0.0.1:{free_port()}/hooks/TOKEN12345678"
    result = send([url], TITLE, BODY, timeout=10)
    assert not result.ok and result.failed == (1,)
    assert result.error == "address 1 (JSON): connection refused"
    assert result.seconds < 3  # refused: no waiting for the timeout
    smtp_down = send([mailto(free_port())], TITLE, BODY, timeout=10)
    assert smtp_down.error == "address 1 (E-Mail): connection refused" and smtp_down.seconds < 3


def test_only_the_address_that_failed_is_sent_again(receiver: Receiver) -> None:
    other = Receiver()
    port = other.port
    other.close()  # down
    urls = [f"json://127.0.0.1:{receiver.port}/a", f"json://127.0.0.1:{port}/b"]
    first = send(urls, TITLE, BODY)
    assert not first.ok and first.failed == (2,) and [o.ok for o in first.outcomes] == [True, False]
    assert first.error == "address 2 (JSON): connection refused"
    assert len(receiver.posts) == 1
    again = send([urls[i - 1] for i in first.failed], TITLE, BODY)  # the retry: address 2 only (still down)
    assert again.failed == (1,) and len(receiver.posts) == 1


def test_http_errors_are_named_by_their_status(receiver: Receiver) -> None:
    receiver.status = 500
    assert send([f"json://127.0.0.1:{receiver.port}/x"], TITLE, BODY).error == (
        "address 1 (JSON): the service answered HTTP 500")
    receiver.status = 401
    assert send([f"json://127.0.0.1:{receiver.port}/x"], TITLE, BODY).error == (
        "address 1 (JSON): credentials refused (HTTP 401)")
    assert len(receiver.posts) == 2


def test_a_silent_host_is_waited_for_no_longer_than_the_timeout() -> None:
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        result = send([f"json://127.0.0.1:{port}/x"], TITLE, BODY, timeout=1)
    assert result.error == "address 1 (JSON): no answer within 1 s"
    assert 0.9 < result.seconds < 5


def test_apprises_log_stays_out_of_ours(caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    # (Apprise's debug lines quote the whole URL, path token and all.)
    send([f"json://u:TOPSECRET@127.0.0.1:{free_port()}/hooks/PATHTOKEN123"], TITLE, BODY, timeout=2)
    out, err = capfd.readouterr()
    assert "PATHTOKEN123" not in caplog.text + out + err and "TOPSECRET" not in caplog.text + out + err
    assert not [r for r in caplog.records if r.name.startswith("apprise")]


def test_nothing_configured_means_nothing_sent_and_no_error() -> None:
    result = send([], TITLE, BODY)
    assert result.ok and result.outcomes == () and result.error is None


def test_failures_in_our_words_never_the_librarys() -> None:
    token = "https://api.telegram.org/bot123456789:ABCDEFsecret/sendMessage"
    cases = {
        "Socket Exception: HTTPSConnectionPool(host='api.telegram.org'): Max retries exceeded with url: "
        f"{token} (Caused by NameResolutionError(\"Failed to resolve\"))": "host name not found",
        f"Socket Exception: {token} [SSL: CERTIFICATE_VERIFY_FAILED]": "TLS (SSL) error",
        "SMTP (535, b'5.7.8 Authentication credentials invalid')": "authentication failed",
        f"Failed to send Telegram notification to {token}: Bad Request, error=400.": "the service answered HTTP 400",
        "A Connection error occurred sending JSON notification to 10.0.0.1.": "could not connect",
        "Something odd": "the service did not take the message",
    }
    for line, words in cases.items():
        assert _reason("FAILURE", [line], 15) == words
    assert _reason("TIMEOUT", ["Service 'JSON' did not finish within 15.0s."], 15) == "no answer within 15 s"


# -------------------------------------------------------------- addresses

@pytest.mark.parametrize("url", [
    "mailto://user:pw@smtp.center.cn?to=wang@center.cn", "mailtos://user:pw@smtp.center.cn:465?to=a@b.cn",
    "wecombot://BOTKEY12345", "dingtalk://TOKEN123456/", "feishu://TOKEN12345", "tgram://123456789:ABCdef/12345",
    "json://10.0.0.5:8080/hook", "jsons://user:pw@hooks.center.cn/x",
])
def test_addresses_apprise_can_send_to_are_taken(url: str) -> None:
    assert check_address(f"  {url} ") == url


@pytest.mark.parametrize(("url", "words"), [
    ("", "notification address 1 is empty"),
    ("   ", "notification address 1 is empty"),
    (None, "notification address 1 is empty"),
    ("mailto://user:pw@host?to=a b@c.cn", "has spaces or control characters"),
    ("json://host/\x1b[2J", "has spaces or control characters"),
    ("json://host/" + "x" * 2000, "longer than 2000"),
    ("fax://SECRET-TOKEN@gateway", "notification address 1 (fax://…) is not one Apprise can send to; e.g. mailto://"),
    ("SECRET-TOKEN", "notification address 1 (?://…) is not one Apprise can send to"),
    ("mailto://", "(mailto://…) is not one Apprise can send to"),
])
def test_a_bad_address_is_one_line_naming_only_its_schema(url: Any, words: str) -> None:
    with pytest.raises(RuleViolation) as err:
        check_address(url)
    assert words in str(err.value) and "\n" not in str(err.value) and "SECRET" not in str(err.value)


def test_a_persons_addresses() -> None:
    assert check_addresses(["json://a/x", "json://a/x", "wecombot://KEY12345"]) == ["json://a/x", "wecombot://KEY12345"]
    assert check_addresses([]) == []
    with pytest.raises(RuleViolation, match="address 2 "):
        check_addresses(["json://a/x", "nope"])
    with pytest.raises(RuleViolation, match="at most 10"):
        check_addresses(["json://a/x"] * 11)


def test_an_address_is_shown_with_its_secrets_masked() -> None:
    assert address_label("mailto://user:p4ss@smtp.center.cn?to=wang@center.cn") == (
        "E-Mail · mailto://user:****@smtp.center.cn/wang%40center.cn")
    assert address_label("wecombot://BOTKEYSECRET12345") == "WeCom Bot · wecombot://B...5/"
    assert address_label("json://u:TOK@10.0.0.5:8080/hook/SECRETPATH") == "JSON · json://u:****@10.0.0.5:8080/hook/S...H"


def test_address_messages_speak_chinese() -> None:
    set_language("zh_Hans")
    try:
        with pytest.raises(RuleViolation) as err:
            check_address("fax://x")
        assert "通知地址 1" in str(err.value)
        assert send([f"json://127.0.0.1:{free_port()}/x"], TITLE, BODY).error == "地址 1（JSON）：连接被拒绝"
    finally:
        set_language("en")


# ------------------------------------------------------------- retrying

def test_the_retry_schedule_doubles_and_gives_up() -> None:
    retry = Retry()
    assert [retry.delay_s(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    t = pendulum.datetime(2026, 11, 25, 9, 0, tz="UTC")
    assert retry.next_at(0, t) == t  # never tried: due now
    assert retry.next_at(1, t) == t.add(minutes=1) and retry.next_at(3, t) == t.add(minutes=4)
    assert retry.next_at(7, t) == t.add(hours=1)
    assert retry.next_at(8, t) is None and retry.gives_up(8) and not retry.gives_up(7)
    assert sum(retry.delay_s(n) for n in range(1, 8)) == 2 * 3600 + 3 * 60  # the last try, after the first
    assert Retry(attempts=1).next_at(1, t) is None


def test_the_retry_setting() -> None:
    assert check_retry({}) == Retry()
    assert check_retry({"attempts": 3, "first_s": 30}) == Retry(3, 30, 3600)
    for bad, words in [([], "takes attempts, first_s and max_s"), ({"tries": 3}, "takes attempts"),
                       ({"attempts": 0}, "attempts must be a whole number from 1 to 50"),
                       ({"first_s": 5}, "first_s must be a whole number from 10 to 86400"),
                       ({"attempts": True}, "attempts must be"), ({"first_s": 600, "max_s": 60}, "max_s must be at least first_s")]:
        with pytest.raises(RuleViolation, match=words):
            check_retry(bad)


def test_the_store_loads_apprise_only_when_it_sends() -> None:
    # Apprise takes half a second to two to import: a console or a CLI command
    # that sends nothing must not pay it (nor load textual through these modules).
    code = ("import json, sys\nimport store.delivery, store.rules.notices, store.rules.escalation\n"
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('apprise', 'textual', 'rich'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                          text=True, timeout=120, check=True)
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
