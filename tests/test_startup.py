"""``bot.startup.long_lived``: what a process loads for good is loaded without the cyclic
collector running, then frozen out of its reach; the collector is left as it was found."""

from __future__ import annotations

import gc
import subprocess
import sys
from collections.abc import Iterator

import pytest

from bot.startup import long_lived


@pytest.fixture(autouse=True)
def _collector_restored() -> Iterator[None]:
    """Each test leaves the test process's collector as it found it, nothing frozen."""
    running = gc.isenabled()
    yield
    gc.unfreeze()
    if running:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_while_loading_and_running_again_after() -> None:
    gc.enable()
    with long_lived():
        paused = not gc.isenabled()
    assert paused
    assert gc.isenabled()


def test_what_was_loaded_is_frozen_out_of_the_collectors_reach() -> None:
    """``gc.get_objects`` lists the generations a collection walks; frozen objects are in none."""
    with long_lived():
        kept = [{"entry": n} for n in range(3)]
    assert not any(tracked is kept for tracked in gc.get_objects())
    gc.unfreeze()
    assert any(tracked is kept for tracked in gc.get_objects())


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    with long_lived():
        pass
    assert not gc.isenabled()


def test_the_collector_runs_again_when_loading_fails() -> None:
    gc.enable()
    with pytest.raises(ValueError), long_lived():
        raise ValueError("an invalid knowledge base")
    assert gc.isenabled()


def test_a_started_command_line_has_its_modules_frozen_and_the_collector_running() -> None:
    """``meshbot``'s first call loads the commands inside ``long_lived``: their functions are
    frozen (in no generation a collection walks), and the collector runs again after."""
    code = (
        "import gc, bot.cli; run = bot.cli._commands(); "
        "print(gc.isenabled(), any(tracked is run for tracked in gc.get_objects()))"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert shown.split() == ["True", "False"]
