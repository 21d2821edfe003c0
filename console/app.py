"""The Dispatch Console app. Kept small: screens live in console/screens/."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

from textual import events, on
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from store import Store
from store.text import clean
from store.timeutil import Clock

from . import memory, output
from .background import in_thread, read
from .console_app import ConsoleApp
from .i18n import N_, _, language_for, set_language
from .settings import ConsoleSettings

if TYPE_CHECKING:
    from .screens.search import OpenTicket

# The titles and help lines of Textual's own palette commands (App.get_system_commands),
# as Textual 8 writes them: marked here so they are extracted and translated.
SYSTEM_COMMANDS = (
    N_("Theme"), N_("Change the current theme"),
    N_("Quit"), N_("Quit the application as soon as possible"),
    N_("Minimize"), N_("Minimize the widget and restore to normal size"),
    N_("Maximize"), N_("Maximize the focused widget"),
)


class DispatchApp(ConsoleApp):
    CSS_PATH = "dispatch.tcss"
    TITLE = "Dispatch Console"
    BINDINGS = [
        Binding("question_mark", "help", N_("Help"), key_display="?"),
        Binding("ctrl+q", "quit", N_("Quit"), show=False, priority=True),
        # Shown only when the file asks who is at the keyboard (setting sign_in).
        Binding("ctrl+u", "switch_user", N_("Switch user")),
    ]

    async def on_mount(self) -> None:
        store = self.store
        # Read in a thread (console/background.py), before the first screen
        # composes: it is drawn in the user's language. A console that cannot
        # write cannot record a PIN try, so checks none (store/repo/pins.py);
        # nor does it need to know who is at the keyboard: nothing it does is anyone's write.
        language, sign_in = await read(lambda: (language_for(store), store.users.sign_in_required()))
        set_language(language)
        self.permits.warm()
        self.sign_in = sign_in and not store.file_read_only
        # The first screen is pushed once the app's own Mount is over: Textual
        # draws nothing while it runs (its start is one batch update), and a
        # screen pushed here composed, read and drew its rows for a frame that
        # was thrown away, then laid out and drew them again (~50 ms of every
        # start before the first paint). Keys wait for it (console/keys.py).
        self.hold_keys()
        self.call_later(self._open_first_screen)

    async def _open_first_screen(self) -> None:
        from .screens.main import MainScreen

        try:
            await self.push_screen(MainScreen())  # mounted: its keys are bound
            self.call_after_refresh(memory.freeze_start_up)
            if self.sign_in:
                await self.action_switch_user(first=True)
        finally:
            self.release_keys()

    def on_unmount(self) -> None:
        self.live.stop()
        memory.thaw()  # a process that goes on (the tests) can free this console's objects

    async def action_switch_user(self, first: bool = False) -> None:
        """A shared desk: whoever signs in makes the writes from now on."""
        from .screens.sign_in import SignInScreen

        if isinstance(self.screen, SignInScreen):
            return

        def signed_in(login: str | None) -> None:
            if login is not None:
                store = self.store
                in_thread(self, lambda: (store.users.user(login).name, language_for(store)), welcome, group="sign-in")

        def welcome(read: tuple[str, str | None]) -> None:
            name = clean(read[0], single_line=True)
            self.sub_title = name
            self.apply_language(read[1])
            # The one at the keyboard writes as themselves now: nobody is acted
            # for (the top line said so for the login that opened the console).
            from .widgets.status import StatusBar

            for screen in self.screen_stack:
                for bar in screen.query(StatusBar):
                    bar.set_acting_for("")
            self.notify(_("Signed in: {name}").format(name=name), markup=False)

        store = self.store
        # Awaited (a read): a PIN typed at once waits for the dialog (console/keys.py).
        people = await read(store.users.find)
        self.push_screen(SignInScreen(people, can_cancel=not first), signed_in)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "switch_user":
            return getattr(self, "sign_in", False)
        return True

    def on_open_ticket(self, message: OpenTicket) -> None:
        """A search screen's pick (console/screens/search.py): its detail, over it."""
        from .screens.detail import DetailScreen

        self.push_screen(DetailScreen(message.ticket_id))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        from .screens.palette import Palette

        # Textual types is_open for App[object]; App is invariant in its return type.
        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            self.push_screen(Palette())

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title == "Keys":
                # Textual's key panel lists the bindings' msgids untranslated:
                # our help screen shows every key in the language in use.
                yield SystemCommand(_("Keys"), _("Every key of this screen and what the queue shows"), self.action_help)
            elif command.title == "Screenshot":
                # Textual's own notice after saving is English only.
                yield SystemCommand(_("Screenshot"), _("Save an SVG picture of the screen"),
                                    lambda: self.set_timer(0.1, self.screenshot))
            else:
                # Textual's own words: English in its source, ours in SYSTEM_COMMANDS.
                yield SystemCommand(_(command.title), _(command.help), command.callback, command.discover)
        # Every binding of the current screen is in the palette too.
        seen = set()
        for binding in getattr(screen, "BINDINGS", []):
            if not isinstance(binding, Binding) or not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            keys = binding.key_display or binding.key.split(",")[0]
            yield SystemCommand(
                _(binding.description),  # a msgid (N_): translated now
                _("Key: {key}").format(key=keys),
                lambda action=binding.action: self.call_later(screen.run_action, action),
            )


    def screenshot(self) -> None:
        from . import downloads

        if downloads.in_browser(self):  # a browser tab: to its downloads, not the server's disk
            name = "dispatch-" + self.clock().in_timezone(self.tz).format("YYYYMMDD-HHmmss") + ".svg"
            downloads.send(self, self.export_screenshot().encode("utf-8"), name)
            self.notify(downloads.sent_notice(name), markup=False)
            return
        try:
            path = self.save_screenshot()
        except OSError as error:
            self.notify(_("Could not save the screenshot: {error}").format(error=error.strerror or error),
                        severity="error", markup=False)
            return
        self.notify(_("Screenshot saved: {path}").format(path=path), markup=False)

    @on(events.DeliveryFailed)
    def _download_failed(self, event: events.DeliveryFailed) -> None:
        from . import downloads

        if event.name == downloads.DELIVERY:
            self.notify(_("The download did not reach the browser: {error}").format(
                error=clean(str(event.exception) or type(event.exception).__name__, single_line=True)),
                severity="error", markup=False)


def make_app(store: Store, *, clock: Clock | None = None, settings: ConsoleSettings | None = None) -> DispatchApp:
    """The one factory used by the CLI, the demo and the tests."""
    if os.environ.get("TEXTUAL_ANIMATIONS") is None:
        os.environ["TEXTUAL_ANIMATIONS"] = "none"  # animations cost bytes over SSH
    output.install()  # partial repaints send only the cells asked for (bytes over SSH)
    memory.install()  # removed widgets are not kept by Textual's style cache
    memory.limit_arenas()  # before the first thread: all share two malloc arenas
    return DispatchApp(store, clock=clock, settings=settings)
