from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tocsin.notify.slack import slack_signature, slack_signature_problem, verify_slack_signature

# The worked example of api.slack.com/authentication/verifying-requests-from-slack.
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TS = "1531420618"
DOC_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
DOC_NOW = 1531420618 + 30


def test_documented_example_verifies() -> None:
    assert slack_signature(DOC_SECRET, DOC_TS, DOC_BODY) == DOC_SIGNATURE
    assert verify_slack_signature(DOC_SECRET, DOC_TS, DOC_BODY, DOC_SIGNATURE, now=DOC_NOW)
    assert verify_slack_signature(DOC_SECRET, int(DOC_TS), DOC_BODY.decode(), DOC_SIGNATURE, now=DOC_NOW)
    as_datetime = datetime.fromtimestamp(DOC_NOW, UTC)
    assert verify_slack_signature(DOC_SECRET, DOC_TS, DOC_BODY, DOC_SIGNATURE, now=as_datetime)


@pytest.mark.parametrize(
    ("secret", "ts", "body", "signature", "now", "reason"),
    [
        (DOC_SECRET, DOC_TS, DOC_BODY + b"&x=1", DOC_SIGNATURE, DOC_NOW, "does not match"),
        ("another-secret", DOC_TS, DOC_BODY, DOC_SIGNATURE, DOC_NOW, "does not match"),
        (DOC_SECRET, "1531420619", DOC_BODY, DOC_SIGNATURE, DOC_NOW, "does not match"),
        (DOC_SECRET, DOC_TS, DOC_BODY, DOC_SIGNATURE.upper(), DOC_NOW, "must start with v0="),
        (DOC_SECRET, DOC_TS, DOC_BODY, "v1=" + DOC_SIGNATURE[3:], DOC_NOW, "must start with v0="),
        (DOC_SECRET, DOC_TS, DOC_BODY, None, DOC_NOW, "missing X-Slack-Signature"),
        (DOC_SECRET, None, DOC_BODY, DOC_SIGNATURE, DOC_NOW, "missing X-Slack-Request-Timestamp"),
        (DOC_SECRET, "soon", DOC_BODY, DOC_SIGNATURE, DOC_NOW, "not a Unix time"),
        (DOC_SECRET, DOC_TS, DOC_BODY, DOC_SIGNATURE, int(DOC_TS) + 301, "away from the current time"),
        (DOC_SECRET, DOC_TS, DOC_BODY, DOC_SIGNATURE, int(DOC_TS) - 301, "away from the current time"),
        ("", DOC_TS, DOC_BODY, DOC_SIGNATURE, DOC_NOW, "no signing secret"),
    ],
)
def test_rejections_say_why(
    secret: str, ts: str | None, body: bytes, signature: str | None, now: float, reason: str
) -> None:
    problem = slack_signature_problem(secret, ts, body, signature, now)
    assert problem is not None and reason in problem
    assert not verify_slack_signature(secret, ts, body, signature, now)


def test_replay_window_is_configurable_and_inclusive() -> None:
    now = int(DOC_TS) + 300
    assert verify_slack_signature(DOC_SECRET, DOC_TS, DOC_BODY, DOC_SIGNATURE, now)
    assert not verify_slack_signature(DOC_SECRET, DOC_TS, DOC_BODY, DOC_SIGNATURE, now, window=60)
    assert verify_slack_signature(DOC_SECRET, DOC_TS, DOC_BODY, DOC_SIGNATURE, now, window=600)
