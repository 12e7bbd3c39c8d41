"""cache_figures counts Redis round trips by wrapping redis-py for the run only, and puts it back."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from redis.connection import Connection

from shop.management.commands.cache_figures import counting_round_trips


def test_the_command_reports_round_trips_and_leaves_redis_py_as_it_was(catalog):
    original = Connection.send_packed_command
    out = StringIO()

    call_command("cache_figures", "--requests", "40", stdout=out)

    report = out.getvalue()
    assert Connection.send_packed_command is original
    assert "second half hit ratio" in report
    warm_product = next(line for line in report.splitlines() if line.startswith("warm    product"))
    assert float(warm_product.split()[5]) > 0  # Redis trips per request were counted


def test_redis_py_is_put_back_even_when_the_measured_code_fails():
    original = Connection.send_packed_command
    sent = Counter()

    with pytest.raises(RuntimeError), counting_round_trips(sent):
        assert Connection.send_packed_command is not original
        raise RuntimeError("boom")

    assert Connection.send_packed_command is original
