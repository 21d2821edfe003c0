"""Who is acting: the OS user of the process, never an environment variable
(issue 21, "The login is spoofable"). Run through the real CLI in a
subprocess with LOGNAME/USER set to the manager's login, and, where the
machine allows (root with useradd), as a real second OS user."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from console_helpers import make_ticket

from console.cli import cli
from store import PermissionDenied, Store
from store.context import default_actor

ME = pwd.getpwuid(os.geteuid()).pw_name  # the OS user running the tests, read the way the store must
BOSS = "boss" if ME != "boss" else "chief"
SPOOF = ("LOGNAME", "USER", "LNAME", "USERNAME")  # every variable getpass.getuser() reads


def dump(path: Path) -> list[str]:
    """The whole file as SQL text: equal dumps, nothing written."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        # iterdump() reads every table row by row, which a contentless FTS5
        # table (ticket_pairs) refuses: the schema, then each ordinary table
        # (the FTS tables' shadow tables hold what they index).
        out = [repr(r) for r in conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")]
        for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                     " AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name").fetchall():
            out += [repr(r) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY 1')]
        return out
    finally:
        conn.close()


def spoofed_env(login: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPATCH_") or k in ("DISPATCH_LANG", "DISPATCH_LOCALE_DIR")}
    env.update({name: login for name in SPOOF}, **extra)
    return env


def dispatch(db: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The real CLI in its own process."""
    return subprocess.run([sys.executable, "-m", "console.cli", "--db", str(db), *args],
                          env=env, capture_output=True, text=True, timeout=120, cwd="/")


def dispatcher_file(path: Path, me: str) -> None:
    """A file whose manager is BOSS and where ``me`` (the OS login) is a dispatcher."""
    s = Store(path, create=True, actor=BOSS)
    try:
        s.users.add_user(BOSS, "The Boss", "manager")
        s.users.add_user(me, "Runner", "dispatcher")
        s.people.add_team("Alpha")
        s.people.add_technician("Li Wei", team_id=s.people.teams()[0].id)
    finally:
        s.close()


def test_the_identity_is_the_process_user_not_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in SPOOF:
        monkeypatch.setenv(name, BOSS)
    assert default_actor() == ME
    s = Store(tmp_path / "f.db", create=True)  # no actor given: the process's user
    try:
        assert s.actor == ME
    finally:
        s.close()


def test_a_uid_without_a_passwd_entry_gets_a_fixed_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_entry(uid: int) -> pwd.struct_passwd:
        raise KeyError(uid)

    monkeypatch.setattr(pwd, "getpwuid", no_entry)
    monkeypatch.setenv("LOGNAME", BOSS)
    assert default_actor() == f"uid{os.geteuid()}"


def test_logname_and_user_do_not_make_a_dispatcher_a_manager(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    dispatcher_file(db, ME)
    before = dump(db)
    env = spoofed_env(BOSS)
    added = dispatch(db, "user", "add", "evil", "--name", "Evil", "--role", "manager", env=env)
    assert added.returncode == 2, added.stdout + added.stderr
    assert added.stderr.startswith("dispatch: error:") and "dispatcher" in added.stderr and "Traceback" not in added.stderr
    sign_in = dispatch(db, "set", "sign_in", "true", env=env)
    assert sign_in.returncode == 2 and "dispatcher" in sign_in.stderr, sign_in.stderr
    assert dump(db) == before  # no user, no setting, no event
    # The same login may do a dispatcher's work, recorded as the OS user, not as LOGNAME.
    duty = dispatch(db, "tech", "duty", "Li Wei", "off", env=env)
    assert duty.returncode == 0, duty.stderr
    s = Store(db, actor=BOSS)
    try:
        event = s.tickets.events(1)[0]
        assert (event.action, event.actor, event.entered_by) == ("technician.duty", ME, None)
    finally:
        s.close()


# ------------------------------------------------- a real second OS user
ROOT = Path(__file__).resolve().parent.parent


def _second_user_missing() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create a throwaway OS user (useradd, runuser)"
    if not (shutil.which("useradd") and shutil.which("userdel") and shutil.which("runuser")):
        return "useradd/userdel/runuser are not installed"
    return None


def _python_for(name: str) -> tuple[list[str], dict[str, str]] | None:
    """How that user runs this checkout: the venv's own interpreter if they can
    read it; else (a venv on an interpreter under a private home, as pyenv's in
    /root) the system's Python of the same version with the venv's packages and
    this checkout on PYTHONPATH. None if neither works."""
    system = shutil.which(f"python{sys.version_info.major}.{sys.version_info.minor}", path="/usr/bin:/usr/local/bin")
    tries: list[tuple[list[str], dict[str, str]]] = [([sys.executable], {})]
    if system:
        tries.append(([system], {"PYTHONPATH": f"{ROOT}:{sysconfig.get_paths()['purelib']}"}))
    for cmd, env in tries:
        probe = subprocess.run(["runuser", "-u", name, "--", *cmd, "-c", "import console.cli, store"],
                               capture_output=True, text=True, cwd="/", env={**os.environ, **env})
        if probe.returncode == 0:
            return cmd, env
    return None


@pytest.fixture
def os_user() -> Iterator[tuple[str, int, list[str], dict[str, str]]]:
    """A throwaway OS user with its own group, and how it runs this checkout; removed afterwards."""
    if (why := _second_user_missing()) is not None:
        pytest.skip(why)
    name = f"dsp{secrets.token_hex(4)}"
    made = subprocess.run(["useradd", "--no-create-home", "--user-group", "--shell", "/usr/sbin/nologin", name],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"useradd refused: {made.stderr.strip()}")
    try:
        python = _python_for(name)
        if python is None:  # the test would mean nothing
            pytest.skip(f"{name} can read neither this venv's Python nor a system Python 3.11 with its packages")
        yield name, pwd.getpwnam(name).pw_gid, *python
    finally:
        subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", name], capture_output=True)  # if userdel left it


def test_a_real_second_os_user_cannot_pass_for_the_manager(
        os_user: tuple[str, int, list[str], dict[str, str]]) -> None:
    name, gid, python, python_env = os_user
    folder = Path(tempfile.mkdtemp(prefix="dispatch-ident-"))

    def as_user(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        # The second user claims to be the manager in every variable getpass reads
        # (set after runuser, which would reset USER and LOGNAME to the real ones).
        claims = [f"{k}={v}" for k, v in {**{n: BOSS for n in SPOOF}, **extra, **python_env}.items()]
        return subprocess.run(["runuser", "-u", name, "--", "env", *claims, *python, "-m", "console.cli",
                               "--db", str(db), *args],
                              env=spoofed_env(BOSS), capture_output=True, text=True, timeout=120, cwd="/")

    try:
        # The center's group: the folder and the file group-writable (-wal/-shm are made beside it).
        os.chown(folder, 0, gid)
        os.chmod(folder, 0o2770)
        db = folder / "f.db"
        dispatcher_file(db, name)
        os.chown(db, 0, gid)
        os.chmod(db, 0o660)
        before = dump(db)
        added = as_user("user", "add", "evil", "--name", "Evil", "--role", "manager")
        assert added.returncode == 2 and "dispatcher" in added.stderr, added.stdout + added.stderr
        sign_in = as_user("set", "sign_in", "true")
        assert sign_in.returncode == 2 and "dispatcher" in sign_in.stderr, sign_in.stdout + sign_in.stderr
        acting = as_user("set", "sign_in", "true", DISPATCH_ACTOR=BOSS)
        assert acting.returncode == 2 and "Only a manager may act for someone else" in acting.stderr, acting.stderr
        assert dump(db) == before
        duty = as_user("tech", "duty", "Li Wei", "off")
        assert duty.returncode == 0, duty.stderr
        s = Store(db, actor=BOSS)
        try:
            event = s.tickets.events(1)[0]
            assert (event.action, event.actor, event.entered_by) == ("technician.duty", name, None)
        finally:
            s.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------- acting for someone
# people (conftest): ann manager, bob and alice dispatchers, the runner a manager,
# fay, foreman of Alpha Team (technicians 1, 2), and vic, a viewer.
def acting(store: Store, actor: str, by: str = "ann") -> Store:
    return Store(store.path, actor=actor, by=by, clock=store.clock)


def test_acting_for_someone_uses_their_role_not_yours(people: Store) -> None:
    before = dump(people.path)
    for_bob = acting(people, "bob")
    try:
        with pytest.raises(PermissionDenied) as refused:
            for_bob.settings.set_policy(1, 10, 50, 200)
        assert str(refused.value).startswith(
            "bob is a dispatcher and may not change the SLA policy; acting for someone does not lend them your rights")
        with pytest.raises(PermissionDenied, match="bob is a dispatcher and may not manage users"):
            for_bob.users.add_user("evil", "Evil", "manager")
        assert dump(people.path) == before
        t = make_ticket(for_bob)  # a dispatcher's own work: allowed, and recorded as entered by ann
        event = people.tickets.events(1)[0]
        assert (event.action, event.actor, event.entered_by) == ("ticket.create", "bob", "ann") and t.created_by == "bob"
    finally:
        for_bob.close()


def test_acting_for_a_foreman_keeps_to_their_team(people: Store) -> None:
    own = people.tickets.assign(make_ticket(people).id, 1, technician_id=1)  # Alpha Team's
    other = people.tickets.assign(make_ticket(people).id, 1, technician_id=3)  # Bravo Team's
    for_fay = acting(people, "fay")
    try:
        with pytest.raises(PermissionDenied, match=r"Ticket #\d+ is Bravo Team's, not Alpha Team's"):
            for_fay.tickets.respond(other.id, other.version)
        with pytest.raises(PermissionDenied, match="fay is a foreman and may not create tickets"):
            make_ticket(for_fay)
        for_fay.tickets.respond(own.id, own.version)
        assert (people.tickets.events(1)[0].actor, people.tickets.events(1)[0].entered_by) == ("fay", "ann")
    finally:
        for_fay.close()


@pytest.mark.parametrize("who,why", [("vic", "vic is a viewer and may not"), ("zed", "zed is not a user of this file"),
                                     ("alice", "alice is disabled")])
def test_acting_for_a_viewer_a_stranger_or_a_disabled_user_is_refused(people: Store, who: str, why: str) -> None:
    people.users.disable_user("alice")
    stand_in = acting(people, who)
    try:
        with pytest.raises(PermissionDenied, match=why):
            make_ticket(stand_in)
    finally:
        stand_in.close()


def test_the_cli_acting_for_a_dispatcher_may_not_change_the_sla(people: Store) -> None:
    """The issue's probe: DISPATCH_ACTOR=<dispatcher> dispatch sla set 1 10 50 200 from a manager's login."""
    before = dump(people.path)
    result = CliRunner().invoke(cli, ["--db", str(people.path), "sla", "set", "1", "10", "50", "200"],
                                env={"DISPATCH_ACTOR": "bob"})
    assert result.exit_code == 2 and "acting for someone does not lend them your rights" in result.output, result.output
    assert dump(people.path) == before
    done = CliRunner().invoke(cli, ["--db", str(people.path), "tech", "duty", "Li Wei", "off"], env={"DISPATCH_ACTOR": "bob"})
    assert done.exit_code == 0, done.output
    assert (people.tickets.events(1)[0].actor, people.tickets.events(1)[0].entered_by) == ("bob", ME)
