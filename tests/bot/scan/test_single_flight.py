"""Callers queued behind a running scan share it, whatever it found."""

import threading
import time

from bot.scan.single_flight import SingleFlight


def _queue_behind_a_running_scan(flight, waiters, key="scope", result="scan with read errors"):
    """Start one run that blocks, queue `waiters` callers behind it, release it; return
    (how many runs started, what each waiter got)."""
    release, running = threading.Event(), threading.Event()
    started = []

    def slow_start():
        started.append(1)
        running.set()
        release.wait(5)
        return f"{result} #{len(started)}"

    answers = []
    first = threading.Thread(target=lambda: answers.append(flight.run(key, lambda: None, slow_start)))
    first.start()
    running.wait(5)
    threads = [
        threading.Thread(target=lambda: answers.append(flight.run(key, lambda: None, slow_start)))
        for _ in range(waiters)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.2)  # let every waiter reach the lock before the run ends
    release.set()
    for thread in [first, *threads]:
        thread.join(5)
    return len(started), answers


def test_callers_waiting_for_a_run_share_its_result_even_when_the_cache_would_refuse_it():
    runs, answers = _queue_behind_a_running_scan(SingleFlight(), waiters=10)
    assert runs == 1
    assert answers == ["scan with read errors #1"] * 11


def test_a_caller_arriving_after_a_run_ended_starts_its_own_when_nothing_is_cached():
    flight = SingleFlight()
    assert flight.run("scope", lambda: None, lambda: "first") == "first"
    assert flight.run("scope", lambda: None, lambda: "second") == "second"


def test_a_cached_answer_is_preferred_to_a_new_run():
    flight = SingleFlight()
    assert flight.run("scope", lambda: "stored", lambda: "new run") == "stored"


def test_a_waiter_for_another_scope_does_not_take_the_result():
    flight = SingleFlight()
    release = threading.Event()
    got = {}

    def slow():
        release.wait(5)
        return "eu scan"

    first = threading.Thread(target=lambda: got.setdefault("eu", flight.run("eu", lambda: None, slow)))
    first.start()
    time.sleep(0.1)
    other = threading.Thread(target=lambda: got.setdefault("us", flight.run("us", lambda: None, lambda: "us scan")))
    other.start()
    time.sleep(0.1)
    release.set()
    first.join(5)
    other.join(5)
    assert got == {"eu": "eu scan", "us": "us scan"}


def test_run_now_always_runs_and_waiters_behind_it_share_it():
    flight = SingleFlight()
    assert flight.run_now("scope", lambda: "a") == "a"
    assert flight.run_now("scope", lambda: "b") == "b"


def test_a_question_queued_before_a_run_ended_is_answered_by_it():
    """An answer thread that picks a command up late still gets the scan that was running when
    the command arrived (its ticket), not a new scan of its own."""
    flight = SingleFlight()
    ticket = flight.ticket()
    flight.run("scope", lambda: None, lambda: "running when asked")
    assert flight.run("scope", lambda: None, lambda: "new scan", ticket=ticket) == "running when asked"
    assert flight.run("scope", lambda: None, lambda: "new scan") == "new scan"
