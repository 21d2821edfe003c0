"""Issue 24: a recipient without a language (every technician; a user who
chose none) is told in the sender's own language, by the rule the console
uses for a user with none (DISPATCH_LANG, then LC_ALL, LC_MESSAGES, LANG),
so ``DISPATCH_LANG=zh_Hans dispatch notify`` from a Chinese center's cron
tells its technicians in Chinese. A recipient's own language still wins."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MutableClock
from test_delivery import Receiver, receiver  # noqa: F401  (fixture)
from ticket_helpers import make

from store import Store
from store.sender import one_pass


def _assigned(store: Store, receiver: Receiver) -> int:  # noqa: F811
    store.outbox.set_technician_addresses(1, [f"json://127.0.0.1:{receiver.port}/tech"])
    t = make(store)
    store.tickets.assign(t.id, t.version, technician_id=1)
    return t.id


@pytest.mark.parametrize("env", [{"DISPATCH_LANG": "zh_Hans"}, {"LC_ALL": "zh_CN.UTF-8"}, {"LANG": "zh_SG.UTF-8"},
                                 {"DISPATCH_LANG": "zh_Hans", "LANG": "en_GB.UTF-8"}])
def test_a_technician_is_told_in_the_senders_language(store: Store, receiver: Receiver, env: dict[str, str]) -> None:  # noqa: F811
    tid = _assigned(store, receiver)
    assert one_pass(store, env=env).sent == 1
    ((_path, post),) = receiver.posts
    assert post["title"].startswith(f"工单 #{tid}") and "已派给您" in post["title"]
    assert "网点：" in post["message"]


def test_english_when_the_environment_names_none_or_english(store: Store, receiver: Receiver) -> None:  # noqa: F811
    _assigned(store, receiver)
    assert one_pass(store, env={"LANG": "C.UTF-8"}).sent == 1
    t2 = make(store)
    store.tickets.assign(t2.id, t2.version, technician_id=1)
    assert one_pass(store, env={}).sent == 1
    assert [p["title"].split(":")[1].strip() for _path, p in receiver.posts] == ["assigned to you"] * 2


def test_a_users_own_language_wins_and_none_follows_the_sender(people: Store, clock: MutableClock,
                                                                receiver: Receiver) -> None:  # noqa: F811
    people.users.set_user_language("fay", "en")
    people.outbox.set_user_addresses("fay", [f"json://127.0.0.1:{receiver.port}/fay"])
    people.outbox.set_user_addresses("ann", [f"json://127.0.0.1:{receiver.port}/ann"])  # no language of her own
    t = make(people)
    people.tickets.assign(t.id, t.version, technician_id=1)  # Alpha Team: fay is its foreman
    people.escalations.set_ladder({"default": [{"at": "breached", "to": ["foreman", "managers"]}]})
    clock.advance(hours=30)
    assert one_pass(people, env={"DISPATCH_LANG": "zh_Hans"}).sent == 6
    titles = {path: p["title"] for path, p in receiver.posts}
    assert titles["/fay"].startswith(f"#{t.id} escalated")
    assert titles["/ann"].startswith(f"工单 #{t.id} 升级")


def test_the_cron_line_sends_chinese_to_technicians(store: Store, db_path: Path, receiver: Receiver) -> None:  # noqa: F811
    tid = _assigned(store, receiver)
    store.close()
    env = {**os.environ, "DISPATCH_LANG": "zh_Hans"}
    done = subprocess.run([sys.executable, "-m", "console.cli", "--db", str(db_path), "notify"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ((_path, post),) = receiver.posts
    assert post["title"].startswith(f"工单 #{tid}")
