"""The terminal widget against OpenSSH's sshd: full-screen programs (less and vim on the
alternate screen, top in place), colours, a resize under a full-screen program, and ctrl-c in a flood."""

from __future__ import annotations

import shutil

import pytest

from hostwiz.screens.terminal import Terminal

from .test_screen import at_prompt, paste_line, sshd_terminal, sync, until

pytestmark = pytest.mark.sshd


def needs(program: str) -> None:
    if shutil.which(program) is None:
        pytest.fail(f"{program} is not installed")


async def mark_the_shell(pilot, term: Terminal) -> None:
    await paste_line(pilot, term, "clear; echo shell-$((6*7))")
    await until(pilot, lambda: "shell-42" in term.lines, what="the marker line")


@sync
async def test_less_pages_and_leaves_the_shell_screen_as_it_was(sshd, state_dir):
    needs("less")
    async with sshd_terminal(state_dir, sshd) as (app, pilot, term):
        await mark_the_shell(pilot, term)
        await paste_line(pilot, term, "seq 500 | less")
        await until(pilot, lambda: term.lines[0] == "1" and term.lines[-1].startswith(":"), what="less")
        assert term.screen_buffer.alternate and "shell-42" not in term.lines
        await pilot.press("space")  # a page on
        await until(pilot, lambda: term.lines[0] == str(term.size.height), what="the second page")
        await pilot.press("G")
        await until(pilot, lambda: "500" in term.lines, what="the end")
        await pilot.press("q")
        await until(pilot, lambda: not term.screen_buffer.alternate and "shell-42" in term.lines,
                    what="the shell's lines back after less")


@sync
async def test_vim_edits_a_file_with_application_keys(sshd, state_dir, tmp_path):
    needs("vim")
    target = tmp_path / "notes.txt"
    target.write_text("first\nsecond\n")
    async with sshd_terminal(state_dir, sshd) as (app, pilot, term):
        await mark_the_shell(pilot, term)
        await paste_line(pilot, term, f"vim -u NONE -N -i NONE {target}")
        await until(pilot, lambda: term.lines[:2] == ["first", "second"] and term.lines[2].startswith("~"),
                    what="vim showing the file")
        assert term.screen_buffer.alternate
        await pilot.press("down", "A", *"-edited", "escape")  # arrows reach vim in its cursor key mode
        await until(pilot, lambda: term.lines[1] == "second-edited", what="the edit on screen")
        await pilot.press("colon", "w", "q", "enter")
        await until(pilot, lambda: not term.screen_buffer.alternate and "shell-42" in term.lines,
                    what="the shell back after vim")
    assert target.read_text() == "first\nsecond-edited\n"


@sync
async def test_top_redraws_in_place_and_quits(sshd, state_dir):
    needs("top")
    async with sshd_terminal(state_dir, sshd) as (app, pilot, term):
        await mark_the_shell(pilot, term)
        await paste_line(pilot, term, "top -d 0.3")
        await until(pilot, lambda: term.lines[0].startswith("top - ") and any("PID" in ln for ln in term.lines),
                    what="top's header and table")
        assert term.screen_buffer.cursor.hidden  # top hides the cursor while it runs
        first = term.lines[0]
        await until(pilot, lambda: term.lines[0] != first and term.lines[0].startswith("top - "),
                    what="top's next refresh in place")
        await pilot.press("q")  # top keeps the normal screen: its last frame stays, the prompt below it
        await until(pilot, lambda: at_prompt(term) and not term.screen_buffer.cursor.hidden,
                    what="the prompt and the cursor after top")


@sync
async def test_colours_from_the_16_256_and_true_colour_palettes(sshd, state_dir):
    async with sshd_terminal(state_dir, sshd) as (app, pilot, term):
        await paste_line(pilot, term, r"clear; printf '\e[1;31mRED\e[0m \e[38;5;208mORANGE\e[0m "
                                      r"\e[48;2;0;128;0mGREEN\e[0m \e[4;7mREV\e[0m\n'")
        await until(pilot, lambda: any(line.startswith("RED ORANGE GREEN REV") for line in term.lines),
                    what="the coloured words")
        y = next(i for i, line in enumerate(term.lines) if line.startswith("RED ORANGE"))
        styles = {s.text: s.style for s in term.render_line(y)._segments}  # noqa: SLF001
        assert styles["RED"].color.name == "red" and styles["RED"].bold
        assert styles["ORANGE"].color.triplet == (0xff, 0x87, 0x00)  # pyte resolves 256 colours to RGB
        assert styles["GREEN"].bgcolor.triplet == (0, 128, 0)
        assert styles["REV"].underline and styles["REV"].reverse


@sync
async def test_a_full_screen_program_redraws_at_the_new_size(sshd, state_dir):
    needs("less")
    async with sshd_terminal(state_dir, sshd) as (app, pilot, term):
        await paste_line(pilot, term, "seq 500 | less")
        await until(pilot, lambda: term.lines[-1].startswith(":"), what="less")
        rows = term.size.height
        await pilot.resize_terminal(90, 20)
        await until(pilot, lambda: term.size.height < rows, what="the widget to shrink")
        await until(pilot, lambda: term.lines[-1].startswith(":") and term.lines[-2] == str(term.size.height - 1),
                    what="less redrawn for the new height (SIGWINCH over SSH)")
        assert len(term.lines) == term.size.height
        await pilot.press("q")


@sync
async def test_ctrl_c_stops_a_flood_and_the_shell_answers(sshd, state_dir):
    async with sshd_terminal(state_dir, sshd) as (app, pilot, term):
        await paste_line(pilot, term, "clear; yes flood-line-of-some-length | head -c 200000000")
        await until(pilot, lambda: term.lines.count("flood-line-of-some-length") > 5 and term.flooding(),
                    what="the flood")
        await pilot.press("ctrl+c")
        await until(pilot, lambda: at_prompt(term) and term.pending_bytes == 0, what="the prompt after ctrl-c")
        assert term.skipped_bytes > 0  # what was in flight was dropped, not drawn
        await paste_line(pilot, term, "echo after-$((40+2))")
        await until(pilot, lambda: "after-42" in term.lines, what="the shell answering after the flood")
