"""Issue 16: in a busy center every poll read a change and the technician
board resent whole columns of the terminal. A poll where one technician's
load changes must re-render that technician's line only (lines counted, not
time); the queue likewise re-renders only the rows whose content changed."""

from __future__ import annotations

from console.widgets.board import TechBoard
from store import Store
from tests.console_helpers import app_for, make_ticket, queue, settle, until


def tech_line(board: TechBoard, name: str) -> int:
    return next(i for i, (text, _kind) in enumerate(board.lines) if text.startswith(name))


async def test_a_load_change_re_renders_one_board_line(store: Store, db_path, clock) -> None:
    t = make_ticket(store, description="needs a technician")
    other = Store(db_path, actor="bob", clock=clock)
    app = app_for(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        board = app.screen.query_one(TechBoard)
        await until(pilot, lambda: len(board.lines) > 3)
        tech = next(x for x in other.people.technicians() if x.on_duty)
        line = tech_line(board, tech.name[:12])
        load_before = board.lines[line][0]
        await settle(pilot)

        rendered: list[int] = []
        real = board.render_line

        def counting(y: int):  # type: ignore[no-untyped-def]
            rendered.append(y + int(board.scroll_offset.y))
            return real(y)

        board.render_line = counting  # type: ignore[method-assign]
        other.tickets.assign(t.id, t.version, technician_id=tech.id)  # another console: the next poll reads it
        await until(pilot, lambda: board.lines[line][0] != load_before)
        await settle(pilot)
        await pilot.pause()
        assert set(rendered) == {line}, (rendered, board.lines)
    other.close()


async def test_a_row_change_re_renders_that_row_only(store: Store, db_path, clock) -> None:
    first = make_ticket(store, description="first ticket")
    second = make_ticket(store, description="second ticket")
    techs = sorted((x for x in store.people.technicians() if x.on_duty), key=lambda x: -len(x.name))
    # The longest name already in the column: the assignment below changes no column width.
    store.tickets.assign(first.id, first.version, technician_id=techs[0].id)
    other = Store(db_path, actor="bob", clock=clock)
    app = app_for(store)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot)
        table = queue(app)
        await until(pilot, lambda: {r.id for r in table.rows} >= {first.id, second.id})
        await settle(pilot)
        screen_line = next(i for i, r in enumerate(table.rows) if r.id == second.id) + 1

        rendered: list[int] = []
        real = table.render_line

        def counting(y: int):  # type: ignore[no-untyped-def]
            rendered.append(y)
            return real(y)

        table.render_line = counting  # type: ignore[method-assign]
        tech = techs[-1]
        other.tickets.assign(second.id, second.version, technician_id=tech.id)  # same order: only the technician cell
        await until(pilot, lambda: any(r.id == second.id and r.technician_id == tech.id for r in table.rows))
        await settle(pilot)
        await pilot.pause()
        # The changed row; the cursor row may repaint too (the footer asks the
        # selection), nothing else.
        assert set(rendered) <= {screen_line, table.cursor + 1}, rendered
        assert screen_line in rendered
    other.close()
