"""Progress of a batch (runs done) or of one run (days done), labelled with what is running.

On a terminal it is a tqdm bar that stays when done; elsewhere (a log file, a pipe, `make run > log`, a job
scheduler's output) it is plain lines: one at the start, one whenever another tenth is done or half a minute has
passed, and one at the end, so a log shows how far a batch got and how fast. `enabled=False` shows nothing;
`delay` shows nothing for that many seconds (a short run needs no progress).
"""

from __future__ import annotations

import sys
import time

from tqdm.auto import tqdm


class Progress:
    """`with Progress(90, "compare") as progress: ...; progress.update(); progress.note("2 failed")`."""

    def __init__(self, total: int, label: str, unit: str = "run", initial: int = 0, enabled: bool | None = None,
                 delay: float = 0.0, every: float = 30.0, stream=None):
        self.stream = stream or sys.stderr
        self.total, self.done, self.first = total, initial, initial
        self.label, self.unit, self.delay, self.every = label, unit, delay, every
        self.enabled = enabled is not False
        self.t0 = self.last_time = time.monotonic()
        self.last_done, self.lines, self.postfix = initial, 0, ""
        self.bar = None
        if self.enabled and _is_terminal(self.stream):
            self.bar = tqdm(total=total, initial=initial, unit=unit, desc=label, delay=delay, leave=True,
                            dynamic_ncols=True, file=self.stream)
        elif self.enabled and not delay:
            self._line()

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.enabled and self.done < self.total:
            now = time.monotonic()
            late = now - self.last_time >= self.every
            if now - self.t0 >= self.delay and (self.done - self.last_done >= max(1, self.total // 10) or late
                                                 or (self.delay and not self.lines)):
                self._line()

    def note(self, text: str) -> None:
        """Words after the count: what is left, what failed."""
        self.postfix = text
        if self.bar is not None:
            self.bar.set_postfix_str(text, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif self.enabled and self.lines and self.done > self.last_done:
            self._line(final=True)

    def _line(self, final: bool = False) -> None:
        elapsed = time.monotonic() - self.t0
        text = f"{self.label}: {self.done:,}/{self.total:,} {self.unit}s"
        if self.total:
            text += f" ({100 * self.done / self.total:.0f} %)"
        if self.done > self.first and elapsed > 0:
            rate = (self.done - self.first) / elapsed
            text += f", {duration(elapsed)}, {rate:.2f} {self.unit}s/s"
            if not final:
                text += f", about {duration((self.total - self.done) / rate)} left"
        if self.postfix:
            text += f"; {self.postfix}"
        print(text, file=self.stream, flush=True)
        self.last_time, self.last_done, self.lines = time.monotonic(), self.done, self.lines + 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def duration(seconds: float) -> str:
    """`1h 02m 03s`, `2m 05s` or `12 s`."""
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}h {m:02d}m {s:02d}s" if h else f"{m}m {s:02d}s" if m else f"{seconds:.1f} s"
