"""When a process that never saw Redis fail looks at the outbox before reading Redis (shop.cache.trust)."""

import pytest

from shop.cache import trust

T = 0.25


@pytest.fixture
def clock(settings, monkeypatch):
    # No backstop thread here: the test below runs one of its rounds itself.
    settings.SHOP_CACHE = {**settings.SHOP_CACHE, "OUTBOX_CHECK_SECONDS": T, "OUTBOX_BACKSTOP_SECONDS": 0}
    now = [1000.0]
    monkeypatch.setattr(trust.time, "monotonic", lambda: now[0])
    trust.reset()
    return now


def _call(clock, at: float, takes: float = 0.001) -> bool:
    """A Redis call starting at ``at`` that is answered after ``takes``; return whether it looked first."""
    clock[0] = at
    due = trust._check_due("default", at)
    clock[0] = at + takes
    trust._answered("default", at)
    return due


def test_a_busy_process_with_fast_replies_never_looks_on_the_request_path(clock):
    looked = [_call(clock, 1000.0 + i * 0.05) for i in range(1, 120)]  # 6 s of calls every 50 ms
    assert sum(looked) == 0


@pytest.mark.django_db(transaction=True)
def test_the_backstop_thread_makes_the_next_call_look_when_a_row_waits(clock, monkeypatch):
    from shop.cache.models import CacheInvalidation

    CacheInvalidation.objects.create(tags=["tree"], alias="default")  # a write that failed elsewhere
    rounds = []

    def one_round(seconds):
        rounds.append(seconds)
        if len(rounds) > 1:
            raise SystemExit  # stop the loop after one look

    monkeypatch.setattr(trust.time, "sleep", one_round)
    _call(clock, 1000.01)
    with pytest.raises(SystemExit):
        trust._backstop(5.0)
    assert _call(clock, 1000.02)  # no gap, no slow reply: the backstop's find makes it look


def test_a_gap_of_half_the_timeout_means_a_look(clock):
    assert not _call(clock, 1000.1)
    assert _call(clock, 1000.1 + T / 2)  # Redis may have hung unseen in between


def test_a_slow_reply_means_a_look_before_every_call_for_the_timeout_after_it(clock):
    assert not _call(clock, 1000.05, takes=T / 2)  # Redis kept this call waiting: a blip
    end = 1000.05 + T / 2
    assert all(_call(clock, end + d) for d in (0.01, 0.05, 0.1, 0.2))  # a failed write may commit meanwhile
    assert not _call(clock, end + T + 0.01)
