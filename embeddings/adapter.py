"""Adapting the model in a separate process while the bot keeps answering.

Training takes minutes and a gigabyte or more; in the bot's own process it
would slow every answer and keep that memory for good. `Adapter.tick`
(called by the bot every few minutes) starts `python -m embeddings.adapter`
when the index is due for adaptation — new policies, new corrections, a new
questions file — and, once that process has finished, loads the adapted
index and swaps it into the engine. Questions are answered from the current
index all the while. A failed run is logged once and not retried until
something it depends on changes.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from knowledge.glossary import Glossary

from .adaptation import adapt_index
from .engine import AdaptationStatus, adaptation_status, describe
from .index import IndexCorrupt, load_index
from .search import SearchEngine
from .training import AdaptSettings

log = logging.getLogger(__name__)

RETIRED_CLOSE_SECONDS = 60.0  # searches that started on the old index finish first
# The child's CPU priority (nice): below the bot's, so that a question asked while the model trains
# is answered first. Training takes both cores for minutes. Measured beside a child adapting to the
# DfE guidance (tests/bench_answers_while_adapting.py, one run, 2 cores): at the bot's own priority
# a question took 4.5 times as long as with nothing running (p50 152 ms against 34 ms, p95 543 ms);
# at 10 below, as long (p50 31 ms, p95 157 ms against 118 ms).
NICENESS = 10


# An OpenMP thread of torch that has done its share of a step spins until the other is done: for
# 300,000 turns (libgomp's default) before it sleeps. While other work holds the other core, that
# spinning is most of what training does. One run of training steps (a batch of 16, forward and
# backward, 2 cores) at this process's priority beside two busy processes: 20.7 s a step at the
# default, 4.5 s at 20,000 turns (4.6 s with one thread, 5.1 s sleeping at once); on an idle
# machine 0.23 s a step at both (0.29 s sleeping at once).
SPIN_TURNS = "20000"


def training_environment() -> dict[str, str]:
    """The environment a process that trains runs in: torch's waiting threads sleep sooner. A
    value the operator set is kept."""
    return {**os.environ, "GOMP_SPINCOUNT": os.environ.get("GOMP_SPINCOUNT", SPIN_TURNS)}


def spin_less() -> None:
    """`training_environment` for this process. libgomp reads it once, when torch is imported:
    call this before."""
    os.environ.update(training_environment())


def yield_to_answers(niceness: int = NICENESS) -> int:
    """Lower this process's CPU priority by `niceness` (POSIX); returns the priority it runs at.

    Where that cannot be done (no `os.nice`, or refused) it runs on at the
    priority it has: slower answers meanwhile, never a failed adaptation.
    """
    if not hasattr(os, "nice"):
        return 0
    try:
        return os.nice(niceness)
    except OSError:
        return os.nice(0)


def _settings_args(settings: AdaptSettings) -> list[str]:
    return [f"--{k.replace('_', '-')}={v}" for k, v in asdict(settings).items()]


class Adapter:
    """Runs adaptation in a child process when due and swaps the result into `engine`."""

    def __init__(
        self,
        engine: SearchEngine,
        policies: Path,
        index_dir: Path,
        database: Path | None,
        settings: AdaptSettings | None = None,
    ) -> None:
        self.engine = engine
        self.policies = policies
        self.index_dir = index_dir
        self.database = database
        self.settings = settings or AdaptSettings()
        self._process: asyncio.subprocess.Process | None = None
        self._failed_key: str | None = None
        self.last: str = describe(engine.index)
        self.failed = False  # the last run failed (the current model stays)

    @property
    def running(self) -> bool:
        return self._process is not None

    @property
    def child(self) -> int | None:
        """The process id of the adapting child while one runs (for logs and monitoring)."""
        return self._process.pid if self._process is not None else None

    def due(self) -> bool:
        status = self._status()
        return status.due and status.key != self._failed_key

    def _status(self) -> AdaptationStatus:
        return adaptation_status(self.engine.index, self.policies, self.database, self.settings)

    async def tick(self) -> str | None:
        """Collect a finished run or start one that is due; returns a line when something happened."""
        if self._process is not None:
            if self._process.returncode is None:
                return None
            return await self._collect()
        if not self.due():
            return None
        command = [sys.executable, "-m", "embeddings.adapter", str(self.policies), str(self.index_dir)]
        if self.database is not None:
            command += ["--database", str(self.database)]
        self._process = await asyncio.create_subprocess_exec(
            *command,
            *_settings_args(self.settings),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=training_environment(),
        )
        log.info(  # routine: INFO
            "adapting the search model to the policies in the background (process %d)", self._process.pid
        )
        return "started"

    async def wait(self) -> str | None:
        """Wait for a running adaptation and collect it (for tests and shutdown)."""
        if self._process is None:
            return None
        await self._process.wait()
        return await self._collect()

    async def _collect(self) -> str:
        process, self._process = self._process, None
        if process is None:  # not an assert: it must hold under `python -O` too
            raise RuntimeError("no adaptation is running")
        out, err = await process.communicate()
        if process.returncode != 0:
            self._failed_key = self._status().key
            tail = err.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            log.error("adapting the search model failed (exit %s): %s", process.returncode, tail[0])
            self.last = f"adaptation failed: {tail[0]}"
            self.failed = True
            return self.last
        try:
            new = load_index(self.index_dir)
        except IndexCorrupt as exc:
            log.error("the adapted index cannot be loaded: %s", exc)
            self.last = f"adaptation failed: {exc}"
            self.failed = True
            return self.last
        live = self.engine.index.manifest
        if all(new.manifest.get(k) == live.get(k) for k in ("adaptation", "built_at")):
            new.close()
        else:
            old = self.engine.swap(new)
            timer = threading.Timer(RETIRED_CLOSE_SECONDS, old.close)
            timer.daemon = True
            timer.start()
        self.last = describe(self.engine.index)
        self.failed = False
        log.info("search model: %s", self.last)
        return self.last

    async def stop(self) -> None:
        """Stop a running child (the bot is shutting down); its half-done work is thrown away."""
        if self._process is not None and self._process.returncode is None:
            self._process.terminate()
            await self._process.wait()
        self._process = None


def main(argv: list[str] | None = None) -> int:
    """The child: adapt the index in INDEX_DIR to the policies in POLICIES if it is due."""
    parser = argparse.ArgumentParser(prog="python -m embeddings.adapter", description=main.__doc__)
    parser.add_argument("policies", type=Path)
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--database", type=Path, help="the bot's database, for reviewers' corrections")
    parser.add_argument(
        "--niceness", type=int, default=NICENESS, help="how far below the bot's CPU priority to run"
    )
    for name, value in asdict(AdaptSettings()).items():
        parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    spin_less()  # before the model is loaded: torch is imported later, in adapt_index
    yield_to_answers(args.niceness)
    logging.basicConfig(level=logging.WARNING, format="staffguide adapt: %(message)s")
    fields = AdaptSettings.__dataclass_fields__
    settings = AdaptSettings(**{k: getattr(args, k) for k in fields})
    try:
        index = load_index(args.index_dir)
    except IndexCorrupt as exc:
        print(f"cannot adapt: the index in {args.index_dir} is damaged ({exc})", file=sys.stderr)
        return 1
    status = adaptation_status(index, args.policies, args.database, settings)
    if not status.due:
        print(f"up to date: {describe(index)}")
        return 0
    index.close()
    glossary = Glossary.for_policies(args.policies)
    result = adapt_index(args.index_dir, status.data, settings, glossary=glossary, progress=False)
    print(describe(result.index))
    return 0


if __name__ == "__main__":
    sys.exit(main())
