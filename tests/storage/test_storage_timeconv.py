from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from tocsin.storage.timeconv import from_micros, to_micros


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)))
def test_micros_round_trip_is_exact(t: datetime) -> None:
    assert from_micros(to_micros(t)) == t
