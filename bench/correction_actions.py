"""An annotator's actions on a Correggi page for bench/correction_clicks.py, done with Playwright and counted:
clicks, keys, mouse selections and the keystroke-level model's operators, with a table cell edited the way a
careful person edits one (wait for its editor, type, read the cell back, type again when it is wrong)."""

from __future__ import annotations

import time

from playwright.sync_api import expect

KLM = {"K": 0.28, "P": 1.1, "B": 0.1, "H": 0.4, "M": 1.35}  # seconds (Card, Moran and Newell, average typist)
TYPING_DELAY_MS = 40  # between typed keys, once the field that takes them is focused
EDITOR_WAIT_MS = 15_000  # a table cell's editor mounting and taking the focus, at most (a frame when quiet)
READ_BACK_MS = 5_000  # a cell showing what its editor held once it closed, at most
CELL_TRIES = 4  # a cell typed this many times without holding its text: the flow fails


class Actions:
    """An annotator's actions on a page, done with Playwright and counted: clicks, keys (each key of a chord),
    mouse selections of text, and the keystroke-level model's operators with the hand moves they need.
    `retries` counts the cells typed again because the table did not keep what was typed (their clicks, keys
    and operators are counted too: a person suffers the same widget)."""

    def __init__(self, page) -> None:
        self.page, self.clicks, self.keys, self.selections, self.retries = page, 0, 0, 0, 0
        self.ops: list[str] = []
        self.steps: list[str] = []
        self.hand = "mouse"
        self.began: float | None = None

    def _do(self, hand: str, ops: str, step: str) -> None:
        if self.began is None:
            self.began = time.monotonic()
        if self.hand != hand:
            self.ops.append("H")
            self.hand = hand
        self.ops += ops.split()
        self.steps.append(step)

    def think(self) -> None:
        """A mental preparation (M): reading the text or the table, choosing what to do next."""
        if self.began is None:
            self.began = time.monotonic()
        self.ops.append("M")

    def click(self, locator, what: str, **options) -> None:
        self._do("mouse", "P B B", f"click {what}")
        self.clicks += 1
        locator.click(**options)

    def double_click(self, locator, what: str) -> None:
        self._do("mouse", "P B B B B", f"double-click {what}")
        self.clicks += 2
        locator.dblclick()

    def hover(self, locator, what: str) -> None:
        self._do("mouse", "P", f"point at {what}")
        locator.hover()

    def choose(self, field, option: str, what: str) -> None:
        """Open a dropdown (`field`, its input) and click one of its options: two clicks."""
        self.click(field, f"{what} (open the list)")
        self.click(self.page.get_by_role("option").filter(has_text=option).first, f"«{option}»")

    def type(self, text: str, what: str) -> None:
        self._do("keyboard", " ".join("K" * len(text)), f"type {what} ({len(text)} keys)")
        self.keys += len(text)
        self.page.keyboard.type(text, delay=TYPING_DELAY_MS)

    def press(self, key: str) -> None:
        chord = key.split("+")
        self._do("keyboard", " ".join("K" * len(chord)), f"press {key}")
        self.keys += len(chord)
        self.page.keyboard.press(key)

    def select(self, container, word: str) -> None:
        """Select a word with the mouse: point at its start, press, drag to its end, release."""
        from tests.app.browsing import select_word

        self._do("mouse", "P B P B", f"select «{word}» with the mouse")
        self.selections += 1
        select_word(self.page, container, word)

    # a Gradio Dataframe cell: its editor (a textarea) mounts after a double-click, Enter or Tab and takes the
    # focus a frame later; keys typed before are lost (the first one only opens the editor)
    def editor(self, cell, what: str):
        """The cell's editor once it is there and focused, as a person waits for the caret before typing; when it
        does not open (a Tab or a double-click the table missed), the cell is double-clicked again: a retry."""
        field = cell.locator("textarea")
        for attempt in range(CELL_TRIES):
            if attempt:
                self.retries += 1
                self.think()  # the cell did not open: look again
                self.double_click(cell, f"{what} again")
            try:
                expect(field).to_be_focused(timeout=EDITOR_WAIT_MS)
                return field
            except AssertionError:  # not there, or not focused, in time
                continue
        raise AssertionError(f"{what}: its editor did not open after {CELL_TRIES} tries")

    def clear_editor(self, field) -> None:
        """Select what the focused editor holds (Ctrl+A) unless its text is selected already or it is empty."""
        if not field.evaluate(
            "el => el.value === '' || (el.selectionStart === 0 && el.selectionEnd === el.value.length)"
        ):
            self.press("Control+a")

    def holds(self, cell, value: str) -> bool:
        """Whether the closed cell shows `value` (its text span: a cell also holds its menu's buttons), within
        READ_BACK_MS."""
        deadline = time.monotonic() + READ_BACK_MS / 1000
        while True:
            if cell.locator("textarea").count() == 0:
                shown = cell.locator("span.text").first.inner_text().strip()
                if shown == value:
                    return True
            if time.monotonic() > deadline:
                return False
            self.page.wait_for_timeout(100)

    def check_cell(self, cell, value: str, what: str) -> None:
        """Read the cell back; while it does not hold `value`, open it again (double-click), select what it holds,
        type `value` and Enter: each such pass is a retry, counted with its clicks, keys and operators."""
        for _ in range(CELL_TRIES):
            if self.holds(cell, value):
                return
            self.retries += 1
            self.think()  # the cell holds something else: notice it
            self.double_click(cell, f"{what} again")
            field = self.editor(cell, what)
            self.clear_editor(field)
            self.type(value, f"«{value}» again")
            self.press("Enter")
        if not self.holds(cell, value):
            raise AssertionError(f"{what}: still not «{value}» after {CELL_TRIES} retries")

    def replace_cell(self, cell, value: str, what: str) -> None:
        """Edit a table cell: double-click it, wait for its editor, clear what it holds (Ctrl+A when it is not
        selected already), type the value, Enter, and read it back (check_cell)."""
        self.double_click(cell, what)
        self.clear_editor(self.editor(cell, what))
        self.type(value, f"«{value}»")
        self.press("Enter")
        self.check_cell(cell, value, what)

    def type_row(self, cells, values: list[str], names: list[str]) -> None:
        """Fill a new table row: double-click its first cell, then each value typed into its cell's editor once
        it has the focus, Tab to the next cell and Enter after the last; then every cell read back (check_cell).
        `names` name the cells in the steps."""
        self.double_click(cells.nth(0), f"its {names[0]} cell")
        for k, value in enumerate(values):
            self.editor(cells.nth(k), f"its {names[k]} cell")
            self.type(value, f"«{value}»")
            self.press("Enter" if k == len(values) - 1 else "Tab")
        for k, value in enumerate(values):
            self.check_cell(cells.nth(k), value, f"its {names[k]} cell")

    def summary(self) -> dict:
        """Counts, the operator sequence (runs shortened as K×8) and the model's seconds."""
        runs: list[list] = []
        for op in self.ops:
            if runs and runs[-1][0] == op:
                runs[-1][1] += 1
            else:
                runs.append([op, 1])
        sequence = " ".join(op if n == 1 else f"{op}×{n}" for op, n in runs)
        return {
            "clicks": self.clicks, "keys": self.keys, "selections": self.selections, "retries": self.retries,
            "klm_s": round(sum(KLM[op] for op in self.ops), 2), "operators": sequence,
            "steps": "; ".join(self.steps),
        }  # fmt: skip
