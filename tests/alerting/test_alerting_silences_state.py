"""Hypothesis state machine over silences: Alertmanager's update rules hold under any sequence of operations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tocsin.alerting.silences import SilenceError, SilenceNotFound, Silences
from tocsin.model.matchers import Matcher, MatchType
from tocsin.model.silence import Silence, SilenceState

T0 = datetime(2024, 1, 1, tzinfo=UTC)


class ManualClock:
    def __init__(self) -> None:
        self.t = T0

    def now(self) -> datetime:
        return self.t

    def monotonic(self) -> float:
        return (self.t - T0).total_seconds()

    async def sleep(self, seconds: float) -> None:  # pragma: no cover - not used by these rules
        raise AssertionError("no sleeping in this test")


matchers = st.lists(
    st.builds(
        Matcher,
        st.sampled_from(["alertname", "job", "env"]),
        st.sampled_from(list(MatchType)),
        st.sampled_from(["", "a", "b", ".*", "a|b"]),
    ),
    min_size=0,
    max_size=3,
)
offsets = st.integers(min_value=-120, max_value=600)


class SilenceMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock()
        self.silences = Silences(self.clock, None)  # type: ignore[arg-type]
        self.expired_ever: set[str] = set()
        # IDs are random UUIDs; draw by creation order so Hypothesis can replay a run.
        self.ids: list[str] = []

    def _pick(self, data: st.DataObject) -> Silence:
        return self.silences.get(self.ids[data.draw(st.integers(0, len(self.ids) - 1))])

    def _new(self, ms: list[Matcher], start: int, length: int, sid: str = "") -> Silence:
        now = self.clock.now()
        return Silence(
            sid, ms, now + timedelta(seconds=start), now + timedelta(seconds=start + length), now, "u", "c"
        )

    @rule(ms=matchers, start=offsets, length=st.integers(min_value=-10, max_value=600))
    def create(self, ms: list[Matcher], start: int, length: int) -> None:
        before = {s.id: s.copy() for s in self.silences.all()}
        try:
            sid = self.silences.set(self._new(ms, start, length))
        except SilenceError:
            assert {s.id: s for s in self.silences.all()} == before, "a refused silence changed state"
            return
        assert sid not in before
        self.ids.append(sid)
        stored = self.silences.get(sid)
        assert stored.starts_at >= self.clock.now() - timedelta(microseconds=1)

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data(), start=offsets, length=st.integers(min_value=1, max_value=600), same=st.booleans())
    def update(self, data: st.DataObject, start: int, length: int, same: bool) -> None:
        prev = self._pick(data).copy()
        ms = prev.matchers if same else [*prev.matchers, Matcher("extra", MatchType.EQUAL, "x")]
        try:
            new_id = self.silences.set(self._new(ms, start, length, sid=prev.id))
        except SilenceError:
            return
        if new_id != prev.id:
            self.ids.append(new_id)
            old = self.silences.get(prev.id)
            # Alertmanager's rule: the end instant itself still counts as active.
            assert old.state_at(self.clock.now() + timedelta(microseconds=1)) is SilenceState.EXPIRED
        else:
            assert self.silences.get(new_id).matchers == prev.matchers

    @precondition(lambda self: bool(self.ids))
    @rule(data=st.data())
    def expire(self, data: st.DataObject) -> None:
        s = self._pick(data)
        try:
            self.silences.expire(s.id)
        except SilenceError:
            assert s.state_at(self.clock.now()) is SilenceState.EXPIRED
        assert self.silences.get(s.id).state_at(self.clock.now() + timedelta(microseconds=1)) is (
            SilenceState.EXPIRED
        )

    @rule()
    def unknown_id_is_not_found(self) -> None:
        try:
            self.silences.set(self._new([Matcher("a", MatchType.EQUAL, "b")], 0, 60, sid="nope"))
        except SilenceNotFound:
            return
        raise AssertionError("updating an unknown ID must fail")

    @rule(seconds=st.integers(min_value=1, max_value=400))
    def tick(self, seconds: int) -> None:
        self.clock.t += timedelta(seconds=seconds)

    @invariant()
    def stored_silences_are_valid_and_expired_ones_stay_expired(self) -> None:
        now = self.clock.now()
        for s in self.silences.all():
            assert s.matchers and s.ends_at >= s.starts_at
            assert any(
                m.type in (MatchType.NOT_EQUAL, MatchType.NOT_REGEX) or not m.matches("") for m in s.matchers
            )
            if s.state_at(now) is SilenceState.EXPIRED:
                self.expired_ever.add(s.id)
            elif s.id in self.expired_ever:
                raise AssertionError(f"silence {s.id} came back from expired")


SilenceMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestSilenceStateMachine = SilenceMachine.TestCase
