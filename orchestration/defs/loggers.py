"""A terminal logger for `onefunnel run`: one line as each step starts, nothing else."""

import logging
import sys
import time

import dagster as dg


class StepStartHandler(logging.Handler):
    def __init__(self, stream) -> None:
        super().__init__()
        self.stream = stream
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None or event.event_type_value != "STEP_START":
            return
        elapsed = time.monotonic() - self.started
        self.stream.write(f"  {elapsed:6.1f} s  {event.step_key} …\n")
        self.stream.flush()


@dg.logger(description="Prints one line to standard error as each step starts.")
def step_progress(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("onefunnel.progress", level=logging.DEBUG)
    logger.addHandler(StepStartHandler(sys.stderr))
    return logger


LOGGERS = {**dg.default_loggers(), "step_progress": step_progress}
