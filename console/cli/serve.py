"""``dispatch serve``: the console in a browser, through textual-serve.

textual-serve starts one app process per browser tab, each running the
ordinary console (``dispatch --db PATH``) on the same file, so everything that
holds for many dispatchers on one file holds here.

Who is acting: textual-serve (1.1.x) has no login, and it cannot hand an
identity from an authenticating proxy to the app: its websocket handler starts
the fixed command with the server's own environment and passes on nothing of
the request but the terminal size (no header such as ``Remote-User``, no
cookie). Every tab's console runs as the server's OS user (store/context.py
``default_actor``; no environment variable changes that). So a browser tab is
read-only (DISPATCH_READ_ONLY=1: a variable may only ever take rights away)
unless the server is started for one named user with ``--as`` (a laptop
demo): every tab then acts for that user (DISPATCH_ACTOR, as a manager's
``--actor``), which only a manager's login may start, with that user's rights
and the server's login recorded as ``entered_by``."""

from __future__ import annotations

import ipaddress
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import click

from store.errors import NotFound
from store.i18n import _
from store.store import default_actor
from store.text import clean

from .common import Ctx, _db_after, cli, fail
from .web_font import FontError, WebFont, find_cjk_font, load_font
from .web_origin import Origin, OriginPolicy, parse_origin

# The page textual-serve would serve, minus its web font from a public CDN:
# ours loads the Roboto Mono textual-serve ships, from this host.
TEMPLATES = Path(__file__).parent / "templates"

def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def app_environment(base: dict[str, str], login: str | None, server_login: str) -> dict[str, str]:
    """The environment every tab's console starts with. Its identity is the
    server's OS login, whatever the environment says; ``--as`` someone else
    makes the tab act for them (DISPATCH_ACTOR: their role's rights, entered
    by the server's login); without ``--as`` the tab is read-only."""
    env = dict(base)
    env.pop("DISPATCH_ACTOR", None)  # only --as may make a tab act for someone
    env.pop("DISPATCH_READ_ONLY", None)
    if login is None:
        env["DISPATCH_READ_ONLY"] = "1"
    elif login != server_login:
        env["DISPATCH_ACTOR"] = login
    return env


def app_command(db: Path) -> str:
    # This interpreter and this package, whatever is on PATH; textual-serve runs it through a shell.
    return shlex.join([sys.executable, "-m", "console.cli", "--db", str(db.resolve())])


def check_login(obj: Ctx, login: str, server_login: str) -> str:
    """``--as`` names an active user of the file (a browser tab must write as a
    real one); for anyone but the server's own login, the server's login must
    be an active manager, as for --actor (acting for someone lends no rights)."""
    from store.store import Store

    store = Store(obj.db, actor=server_login, busy_timeout_ms=obj.env.busy_timeout_ms, read_only=True)
    try:
        try:
            user = store.users.user(login)
        except NotFound:
            fail(_("{login} is not a user of {path}; add them first (dispatch user add {login})").format(
                login=login, path=obj.db))
        if user.disabled:
            fail(_("{login} is disabled in {path}").format(login=login, path=obj.db))
        if user.login != server_login:
            mine = next((u for u in store.users.find() if u.login == server_login), None)
            if mine is None or mine.role != "manager":
                fail(_("--as {login}: {me} is not an active manager of {path}, and only a manager may serve the"
                       " console for someone else; start it as {login}'s own OS user, or ask a manager").format(
                    login=clean(login, single_line=True), me=clean(server_login, single_line=True), path=obj.db))
        return user.login
    finally:
        store.close()


def _origins(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> tuple[Origin, ...]:
    parsed = []
    for value in values:
        origin = parse_origin(value)
        if origin is None:
            raise click.BadParameter(_("{value} is not a page address such as https://dispatch.example.org"
                                       " (http or https, a host, an optional port, nothing after)").format(
                value=clean(value, single_line=True)))
        parsed.append(origin)
    return tuple(parsed)


@cli.command(help=_("Serve the console to web browsers (one console per tab, on the same file). "
                    "Read-only unless started for one user with --as."))
@click.option("--host", default="127.0.0.1", show_default=True,
              help=_("Address to listen on; anything but loopback needs --public-host-ok."))
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help=_("Port to listen on."))
@click.option("--as", "login", metavar="LOGIN",
              help=_("Every tab acts for this user (an active user of the file; for anyone but yourself,"
                     " only a manager may): for a demo on one laptop."))
@click.option("--public-host-ok", is_flag=True,
              help=_("Allow a non-loopback --host (put an authenticating proxy in front instead if you can)."))
@click.option("--origin", "origins", multiple=True, metavar="URL", callback=_origins,
              help=_("Also accept pages from this address (a proxy in front, e.g. https://dispatch.example.org);"
                     " repeatable. The page's own address is always accepted."))
@click.option("--font", "font_path", type=click.Path(path_type=Path), metavar="FILE",
              help=_("A font file with Chinese glyphs to send to browsers that have none"
                     " (default: one installed on this host, e.g. by fonts-noto-cjk or fonts-wqy-zenhei)."))
# --db after the command too; no --actor: a tab never acts for someone (see app_environment).
@click.option("--db", type=click.Path(path_type=Path), expose_value=False, callback=_db_after,
              help=_("The database file (as before the command)."))
@click.pass_obj
def serve(obj: Ctx, host: str, port: int, login: str | None, public_host_ok: bool,
          origins: tuple[Origin, ...], font_path: Path | None) -> None:
    if not is_loopback(host):
        if not public_host_ok:
            fail(_("{host} is not a loopback address: anyone who reaches it gets the console."
                   " Keep 127.0.0.1 behind an authenticating proxy, or add --public-host-ok").format(host=host))
        click.echo(_("dispatch: warning: serving on {host}:{port} without any login of its own;"
                     " anyone who can reach it sees the queue{writes}").format(
            host=clean(host, single_line=True), port=port,
            writes=_(" and writes as {login}").format(login=login) if login else ""), err=True)
    if not obj.db.exists():
        fail(_("{path} does not exist; create it with 'dispatch init'").format(path=obj.db))
    server_login = default_actor()
    if login is not None:
        login = check_login(obj, login.strip(), server_login)
    font = web_font(font_path)
    # Opened once here so a damaged or newer file is one error now, not one per tab.
    obj.open(read_only=True).close()
    run_server(obj.db, host, port, login, server_login, OriginPolicy(host, frozenset(origins)), font)


def web_font(path: Path | None) -> WebFont | None:
    """The font named with --font (refused with one line if it is not one), or
    one of this host's; without any, a warning naming the package to install."""
    if path is not None:
        try:
            return load_font(path)
        except OSError as exc:
            fail(_("cannot read the font {path}: {error}").format(
                path=clean(str(path), single_line=True), error=exc.strerror or exc))
        except FontError:
            fail(_("{path} is not a TrueType or OpenType font (.ttf, .otf, .ttc)").format(
                path=clean(str(path), single_line=True)))
    font = find_cjk_font()
    if font is None:
        click.echo(_("dispatch: warning: no font with Chinese glyphs on this host: browsers without one show"
                     " Chinese names as boxes (install fonts-noto-cjk or fonts-wqy-zenhei, or use --font)"), err=True)
    return font


def run_server(db: Path, host: str, port: int, login: str | None, server_login: str, policy: OriginPolicy,
               font: WebFont | None) -> None:
    from .web import DispatchServer

    # textual-serve copies the server's environment into every tab's process.
    env = app_environment(dict(os.environ), login, server_login)
    for gone in set(os.environ) - set(env):
        del os.environ[gone]
    os.environ.update(env)
    who = login or _("read-only")
    server: Any = DispatchServer(app_command(db), policy=policy, font=font, host=host, port=port,
                                 title=_("Dispatch Console ({who})").format(who=who), templates_path=TEMPLATES)
    server.serve()
