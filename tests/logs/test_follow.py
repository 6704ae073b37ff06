"""Following the newest line survives the pane growing: a bigger terminal, and lines that arrive
before the first layout (the view's scroll position is clamped then, which is not the operator
scrolling up)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from hostwiz.screens.log_view import LogView

from .test_screen import feed, make_app, run_async, settle  # noqa: F401 (feed: a fixture)

SOURCE = "/var/log/hostwiz-bootstrap.log"


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())  # noqa: SLF001


@run_async
async def test_following_survives_the_terminal_growing_and_shrinking(tmp_path, feed):
    app, screen = make_app(tmp_path, feed)
    async with app.run_test(size=(120, 30)) as pilot:
        view = screen.query_one(LogView)
        feed.say(SOURCE, *[f"line {i}" for i in range(300)])
        assert await settle(pilot, screen, lambda: len(view.buffer.shown) == 300)
        assert view.following and view.scroll_y == view.max_scroll_y
        await pilot.resize_terminal(120, 50)  # the pane grows: the scroll position is clamped down
        await pilot.pause()
        assert view.following, "a taller pane turned following off"
        feed.say(SOURCE, "after growing")
        assert await settle(pilot, screen, lambda: "after growing" in screen_text(app))
        await pilot.resize_terminal(120, 24)  # and shrinks: the newest line stays in view
        await pilot.pause()
        assert view.following and view.scroll_y == view.max_scroll_y
        feed.say(SOURCE, "after shrinking")
        assert await settle(pilot, screen, lambda: "after shrinking" in screen_text(app))
        assert "following" in str(screen.query_one("#log-status").render())


@run_async
async def test_following_survives_lines_written_before_the_first_layout():
    class Early(App):
        def compose(self) -> ComposeResult:
            yield LogView()

        def on_mount(self) -> None:  # before the first layout: the view has no height yet
            view = self.query_one(LogView)
            view.write([("app", 1_795_000_000.0 + i, f"early {i}", "info") for i in range(100)])

    app = Early()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        view = app.query_one(LogView)
        assert view.following, "lines before the first layout turned following off"
        view.write([("app", 1_795_000_100.0, "the newest line", "info")])
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y and "the newest line" in screen_text(app)


@run_async
async def test_scrolling_up_still_pauses_and_the_end_resumes(tmp_path, feed):
    app, screen = make_app(tmp_path, feed)
    async with app.run_test(size=(120, 30)) as pilot:
        view = screen.query_one(LogView)
        feed.say(SOURCE, *[f"line {i}" for i in range(300)])
        assert await settle(pilot, screen, lambda: len(view.buffer.shown) == 300)
        view.focus()
        await pilot.pause()
        await pilot.press("up")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        assert not view.following
        await pilot.resize_terminal(120, 40)  # growing while paused keeps it paused
        await pilot.pause()
        assert not view.following
        await pilot.press("end")
        await pilot.wait_for_scheduled_animations()
        assert await settle(pilot, screen, lambda: view.following)
