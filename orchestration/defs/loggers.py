"""A terminal logger for `onefunnel run`: a line as each step starts and, on a terminal, a
live count of what the step has materialised and checked so far (long dbt builds show their
progress model by model). Plain lines only: no colour, no cursor tricks unless on a terminal."""

import logging
import sys
import time

import dagster as dg

COUNTED = {"ASSET_MATERIALIZATION": "materialised", "ASSET_CHECK_EVALUATION": "checked"}


class StepProgressHandler(logging.Handler):
    def __init__(self, stream) -> None:
        super().__init__()
        self.stream = stream
        self.live = stream.isatty()
        self.started = time.monotonic()
        self.counts: dict[str, int] = {}
        self.step: str | None = None

    def _end_live_line(self) -> None:
        if self.live and self.counts:
            self.stream.write("\n")
        self.counts = {}

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            self._end_live_line()
            self.step = event.step_key
            elapsed = time.monotonic() - self.started
            self.stream.write(f"  {elapsed:6.1f} s  {event.step_key} …\n")
        elif kind in COUNTED and self.live:
            self.counts[COUNTED[kind]] = self.counts.get(COUNTED[kind], 0) + 1
            done = ", ".join(f"{n} {what}" for what, n in self.counts.items())
            self.stream.write(f"\r             {done}")
        else:
            return
        self.stream.flush()


@dg.logger(description="Prints a line as each step starts, with a live count on a terminal.")
def step_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("onefunnel.progress", level=logging.DEBUG)
    logger.addHandler(StepProgressHandler(sys.stderr))
    return logger


LOGGERS = {**dg.default_loggers(), "step_progress": step_progress}
