"""SNS channel against a local moto server (and the loopback service for wire shape and failures).

No request ever leaves 127.0.0.1: every client gets an explicit loopback endpoint, the AWS_ENDPOINT_URL*
variables point the SDK's defaults at moto, and credentials/config files are fake or absent.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import boto3
import pytest
from moto.server import ThreadedMotoServer
from tests.notify.loopback import LoopbackService, Reply
from tests.notify_msg.msg_support import cpu_alerts, make_alert, make_ctx

from tocsin.config.notifiers import SNSConfig
from tocsin.notify.integration import NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.sns import MAX_MESSAGE_BYTES, SNSNotifier, build, sns_subject

REGION = "eu-west-1"
CREDS = {"access_key": "AKIDTOCSINTEST", "secret_key": "fake-secret", "region": REGION}
PUBLISH_OK = (
    '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult>'
    "<MessageId>94f20ce6-13c5-43a0-9a9e-ca52d816e90b</MessageId></PublishResult>"
    "<ResponseMetadata><RequestId>f187a3c1</RequestId></ResponseMetadata></PublishResponse>"
)


def _error_xml(code: str, message: str) -> str:
    return (
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>42</RequestId></ErrorResponse>"
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Any, moto_url: str) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENVFAKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-fake-secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # Whatever the SDK would otherwise call (STS for role_arn) goes to moto too.
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto_url)


def _aws(moto_url: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=moto_url,
        region_name=REGION,
        aws_access_key_id="AKIDTOCSINTEST",
        aws_secret_access_key="fake-secret",
    )


def _subscribed_queue(moto_url: str, topic_name: str, raw: bool = False) -> tuple[str, str]:
    sns, sqs = _aws(moto_url, "sns"), _aws(moto_url, "sqs")
    attrs = {"FifoTopic": "true"} if topic_name.endswith(".fifo") else {}
    topic_arn = sns.create_topic(Name=topic_name, Attributes=attrs)["TopicArn"]
    queue_name = topic_name.replace(".fifo", "") + ("-q.fifo" if attrs else "-q")
    queue_url = sqs.create_queue(QueueName=queue_name, Attributes={"FifoQueue": "true"} if attrs else {})["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sub_attrs = {"RawMessageDelivery": "true"} if raw else {}
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=queue_arn, Attributes=sub_attrs)
    return topic_arn, queue_url


def _received(moto_url: str, queue_url: str) -> list[dict[str, Any]]:
    out = _aws(moto_url, "sqs").receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    )
    return list(out.get("Messages", []))


def _cfg(**extra: Any) -> SNSConfig:
    raw: dict[str, Any] = {"sigv4": dict(CREDS)}
    raw.update(extra)
    return SNSConfig.model_validate(raw)


async def test_topic_publish_reaches_subscriber(moto_url: str, deps: NotifierDeps) -> None:
    topic_arn, queue_url = _subscribed_queue(moto_url, "alerts")
    cfg = _cfg(
        api_url=moto_url,
        topic_arn=topic_arn,
        attributes={"severity": "{{ .CommonLabels.severity }}", "team": "{{ .CommonLabels.team }}"},
    )
    await build(cfg, deps).notify(make_ctx(), cpu_alerts())

    (msg,) = _received(moto_url, queue_url)
    envelope = json.loads(msg["Body"])
    assert envelope["Type"] == "Notification"
    assert envelope["TopicArn"] == topic_arn
    r = Renderer(deps.templates, notification_data(make_ctx(), cpu_alerts()))
    assert (
        envelope["Subject"] == r.text("s", '{{ template "sns.default.subject" . }}') == "[FIRING:1] HighCPU (critical)"
    )
    assert envelope["Message"] == r.text("m", '{{ template "sns.default.message" . }}')
    assert "web-1 is saturated" in envelope["Message"]
    # Empty attributes ("team" is not a common label) are left out: SNS refuses empty values.
    assert envelope["MessageAttributes"] == {"severity": {"Type": "String", "Value": "critical"}}


async def test_fifo_topic_gets_group_and_dedup_ids(moto_url: str, deps: NotifierDeps) -> None:
    topic_arn, queue_url = _subscribed_queue(moto_url, "alerts.fifo", raw=True)
    notifier = build(_cfg(api_url=moto_url, topic_arn=topic_arn, message="{{ .Status }}"), deps)
    await notifier.notify(make_ctx(), cpu_alerts())
    resolved = [make_alert({"alertname": "HighCPU", "instance": "web-1"}, resolved=True)]
    await notifier.notify(make_ctx(), resolved)
    await notifier.notify(make_ctx(), resolved)  # a retry of the same content is deduplicated by SNS
    bodies = [m["Body"] for m in _received(moto_url, queue_url)]
    assert bodies == ["firing", "resolved"]


async def test_publish_wire_shape(service: LoopbackService, deps: NotifierDeps) -> None:
    """What the SDK puts on the wire, checked against the SNS Publish API reference."""
    service.script(Reply(200, PUBLISH_OK, headers={"Content-Type": "text/xml"}))
    topic = "arn:aws:sns:eu-west-1:123456789012:paging.fifo"
    cfg = _cfg(api_url=service.url, topic_arn=topic, attributes={"env": "prod"})
    await build(cfg, deps).notify(make_ctx(), cpu_alerts())

    (req,) = service.requests
    assert req.method == "POST" and req.path == "/"
    assert req.headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDTOCSINTEST/")
    assert f"/{REGION}/sns/aws4_request" in req.headers["authorization"]
    form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
    assert form["Action"] == "Publish" and form["Version"] == "2010-03-31"
    required, optional = (
        {"Message"},
        {
            "TopicArn",
            "TargetArn",
            "PhoneNumber",
            "Subject",
            "MessageGroupId",
            "MessageDeduplicationId",
        },
    )
    fields = {k for k in form if k not in ("Action", "Version") and not k.startswith("MessageAttributes.")}
    assert required <= fields <= required | optional
    assert form["TopicArn"] == topic
    assert len(form["MessageGroupId"]) == 64 and len(form["MessageDeduplicationId"]) <= 128
    assert form["MessageAttributes.entry.1.Name"] == "env"
    assert form["MessageAttributes.entry.1.Value.DataType"] == "String"
    assert form["MessageAttributes.entry.1.Value.StringValue"] == "prod"
    assert len(form["Subject"]) < 100 and form["Subject"].isascii()


async def test_sms_publish_truncated_to_1600_chars(moto_url: str, deps: NotifierDeps) -> None:
    from moto.sns.models import sns_backends

    cfg = _cfg(api_url=moto_url, phone_number="+15551230001", message="{{ range .Alerts }}" + "y" * 1000 + "{{ end }}")
    await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    backend = sns_backends["123456789012"][REGION]
    sent = [m for phone, m in backend.sms_messages.values() if phone == "+15551230001"]
    assert len(sent) == 1
    assert len(sent[0]) == 1600 and sent[0].endswith("y...")


async def test_large_message_truncated_under_256kb(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(200, PUBLISH_OK))
    big = "{{ range .Alerts }}" + "é" * 100_000 + "{{ end }}"  # 400 000 bytes of UTF-8
    cfg = _cfg(api_url=service.url, target_arn="arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/app/1", message=big)
    await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    form = {k: v[0] for k, v in parse_qs(service.requests[0].body.decode()).items()}
    message = form["Message"]
    assert message.endswith("é…")
    assert len(message.encode()) <= MAX_MESSAGE_BYTES - len("truncatedStringtrue")
    assert form["MessageAttributes.entry.1.Name"] == "truncated"
    assert form["MessageAttributes.entry.1.Value.StringValue"] == "true"
    assert form["TargetArn"].endswith("endpoint/APNS/app/1")


async def test_unknown_topic_is_permanent(moto_url: str, deps: NotifierDeps) -> None:
    cfg = _cfg(api_url=moto_url, topic_arn=f"arn:aws:sns:{REGION}:123456789012:does-not-exist")
    with pytest.raises(NotifyError) as err:
        await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is False
    assert "404" in str(err.value) and "NotFound" in str(err.value)


async def test_server_error_is_retryable(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(
        Reply(500, _error_xml("InternalError", "try again")),
        Reply(502, "<html>bad gateway</html>"),
        Reply(500, "internal failure"),
    )
    notifier = build(_cfg(api_url=service.url, topic_arn="arn:aws:sns:eu-west-1:1:t"), deps)
    with pytest.raises(NotifyError) as err:
        await notifier.notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True and "500" in str(err.value) and "InternalError" in str(err.value)
    assert len(service.requests) == 1  # the SDK's own retries are off
    with pytest.raises(NotifyError) as err:  # a proxy's HTML page
        await notifier.notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True and "502" in str(err.value)
    with pytest.raises(NotifyError) as err:  # neither XML nor HTML
        await notifier.notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True and "unparseable" in str(err.value)


async def test_client_error_is_permanent_and_named(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(400, _error_xml("InvalidParameter", "Invalid parameter: TopicArn")))
    with pytest.raises(NotifyError) as err:
        await build(_cfg(api_url=service.url, topic_arn="arn:aws:sns:eu-west-1:1:t"), deps).notify(
            make_ctx(), cpu_alerts()
        )
    assert err.value.retry is False
    assert "400" in str(err.value) and "InvalidParameter" in str(err.value)
    assert "fake-secret" not in str(err.value) and service.url not in str(err.value)


async def test_throttling_honours_retry_after(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(429, _error_xml("Throttled", "Rate exceeded"), headers={"Retry-After": "3"}))
    with pytest.raises(NotifyError) as err:
        await build(_cfg(api_url=service.url, topic_arn="arn:aws:sns:eu-west-1:1:t"), deps).notify(
            make_ctx(), cpu_alerts()
        )
    assert err.value.retry is True
    assert err.value.retry_after == 3.0


async def test_timeout_is_retryable(service: LoopbackService, deps: NotifierDeps) -> None:
    service.script(Reply(200, PUBLISH_OK, delay=1.5))
    cfg = _cfg(api_url=service.url, topic_arn="arn:aws:sns:eu-west-1:1:t")
    with pytest.raises(NotifyError) as err:
        await SNSNotifier(cfg, deps, timeout=0.3).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True and "timed out" in str(err.value)


async def test_refused_connection_is_retryable_without_url(deps: NotifierDeps) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with pytest.raises(NotifyError) as err:
        await build(_cfg(api_url=url, topic_arn="arn:aws:sns:eu-west-1:1:t"), deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is True
    assert url not in str(err.value)


async def test_missing_region_is_permanent(deps: NotifierDeps, moto_url: str) -> None:
    cfg = SNSConfig.model_validate({"api_url": moto_url, "topic_arn": "arn:aws:sns:eu-west-1:1:t"})
    with pytest.raises(NotifyError) as err:
        await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is False and "region not configured" in str(err.value)


async def test_role_arn_assumed_through_sts(moto_url: str, deps: NotifierDeps) -> None:
    topic_arn, queue_url = _subscribed_queue(moto_url, "role-alerts", raw=True)
    sigv4 = dict(CREDS, role_arn="arn:aws:iam::123456789012:role/tocsin", external_id="ext-1")
    cfg = _cfg(api_url=moto_url, topic_arn=topic_arn, sigv4=sigv4, message="via role")
    notifier = build(cfg, deps)
    await notifier.notify(make_ctx(), cpu_alerts())
    await notifier.close()
    assert [m["Body"] for m in _received(moto_url, queue_url)] == ["via role"]


async def test_template_error_is_permanent(moto_url: str, deps: NotifierDeps) -> None:
    cfg = _cfg(api_url=moto_url, topic_arn="arn:aws:sns:eu-west-1:1:t", message='{{ template "nope" . }}')
    with pytest.raises(NotifyError) as err:
        await build(cfg, deps).notify(make_ctx(), cpu_alerts())
    assert err.value.retry is False and "template for message" in str(err.value)


def test_subject_fits_sns_rules() -> None:
    assert sns_subject("Störung: disk\nfull\t!") == "Storung: disk full !"
    long = sns_subject("x" * 300)
    assert len(long) == 99 and long.endswith("...")
    assert sns_subject("   ") == ""
    assert sns_subject("🔥 fire") == "fire"
