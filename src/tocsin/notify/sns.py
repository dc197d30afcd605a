"""AWS SNS integration (`sns_configs`): one Publish call per flush, signed (SigV4) by the AWS SDK.

Follows Alertmanager's SNS notifier: topic_arn / phone_number / target_arn, templated subject, message and
message attributes, FIFO topics get a message group and deduplication id from the group key, and an oversized
message is cut and flagged with a "truncated" attribute. Differences, each to keep a notification from being
refused or lost: the cut respects UTF-8 boundaries, counts the attributes against SNS's 256 KB limit and ends in
a marker; the subject is made to fit SNS's rules (ASCII, one line, under 100 characters); attributes that render
empty are left out (SNS refuses them); and the FIFO deduplication id also covers the message, so a "resolved"
sent within five minutes of the "firing" one is not dropped as a duplicate.

boto3 is synchronous: calls run in a worker thread. The SDK's own retries are off, the pipeline retries.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from tocsin.config.notifiers import SNSConfig
from tocsin.model.alert import Alert
from tocsin.notify.context import NotifyContext
from tocsin.notify.http import retry_after_seconds
from tocsin.notify.integration import Notifier, NotifierDeps, NotifyError
from tocsin.notify.render import Renderer, notification_data
from tocsin.notify.sms import TRUNCATION_MARKER as SMS_MARKER
from tocsin.notify.sms import truncate
from tocsin.notify.text import group_key_hash, truncate_bytes

if TYPE_CHECKING:
    from mypy_boto3_sns.client import SNSClient
    from mypy_boto3_sns.type_defs import MessageAttributeValueTypeDef, PublishInputTypeDef

MAX_MESSAGE_BYTES = 256 * 1024
MAX_SMS_CHARS = 1600
MAX_SUBJECT_CHARS = 99  # "must be less than 100 characters long"
_THROTTLING = frozenset(
    {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "TooManyRequestsException"}
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_ROLE_REFRESH_MARGIN = 300.0
_NO_SDK = "sns: the AWS SDK is not installed (pip install boto3)"


def sns_subject(text: str) -> str:
    """SNS's subject rules: ASCII, no line breaks or control characters, starts with a visible character."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    folded = _CONTROL.sub(" ", folded).strip()
    return truncate(folded, MAX_SUBJECT_CHARS, SMS_MARKER)[0]


def _attribute_bytes(attrs: dict[str, MessageAttributeValueTypeDef]) -> int:
    return sum(
        len(k.encode()) + len(v["DataType"].encode()) + len(v.get("StringValue", "").encode()) for k, v in attrs.items()
    )


def _dedup_id(group_key: str, message: str) -> str:
    """Same group and same content (a retry) dedups; a different update of the group gets through."""
    return group_key_hash(group_key + "\0" + message)


class SNSNotifier:
    def __init__(self, cfg: SNSConfig, deps: NotifierDeps, timeout: float = 30.0) -> None:
        self._cfg = cfg
        self._deps = deps
        self._timeout = timeout
        self._clients: dict[str, SNSClient] = {}
        self._lock = threading.Lock()
        self._role_expiry = 0.0

    async def notify(self, ctx: NotifyContext, alerts: Sequence[Alert]) -> None:
        renderer = Renderer(self._deps.templates, notification_data(ctx, alerts))
        endpoint = renderer.text("api_url", self._cfg.api_url)
        request = self._publish_input(ctx, renderer)
        if renderer.error:
            raise NotifyError(f"sns: {renderer.error}", retry=False)
        await asyncio.to_thread(self._publish, endpoint, request)

    async def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    # -- request -----------------------------------------------------------------------------------------

    def _publish_input(self, ctx: NotifyContext, r: Renderer) -> PublishInputTypeDef:
        cfg = self._cfg
        attrs: dict[str, MessageAttributeValueTypeDef] = {}
        for key, value in cfg.attributes.items():
            name, rendered = r.text(f"attributes key {key!r}", key), r.text(f"attributes[{key!r}]", value)
            if name and rendered:
                attrs[name] = {"DataType": "String", "StringValue": rendered}
        message = r.text("message", cfg.message)
        req: dict[str, Any] = {}
        if cfg.topic_arn:
            req["TopicArn"] = r.text("topic_arn", cfg.topic_arn)
        if cfg.phone_number:
            req["PhoneNumber"] = r.text("phone_number", cfg.phone_number)
            message, cut = truncate(message, MAX_SMS_CHARS, SMS_MARKER)
        else:
            room = MAX_MESSAGE_BYTES - _attribute_bytes(attrs) - len("truncatedStringtrue")
            cut_message = truncate_bytes(message, room)
            message, cut = cut_message, cut_message != message
        if cfg.target_arn:
            req["TargetArn"] = r.text("target_arn", cfg.target_arn)
        if cut:
            attrs["truncated"] = {"DataType": "String", "StringValue": "true"}
        if str(req.get("TopicArn", "")).endswith(".fifo"):
            req["MessageGroupId"] = group_key_hash(ctx.group_key)
            req["MessageDeduplicationId"] = _dedup_id(ctx.group_key, message)
        req["Message"] = message
        if attrs:
            req["MessageAttributes"] = attrs
        if cfg.subject:
            subject = sns_subject(r.text("subject", cfg.subject))
            if subject:
                req["Subject"] = subject
        return req  # type: ignore[return-value]

    # -- SDK (worker thread) -----------------------------------------------------------------------------

    def _publish(self, endpoint: str, request: PublishInputTypeDef) -> None:
        try:
            from botocore.exceptions import (
                BotoCoreError,
                ClientError,
                ConnectTimeoutError,
                NoCredentialsError,
                NoRegionError,
                ParamValidationError,
                PartialCredentialsError,
                ReadTimeoutError,
            )
            from botocore.parsers import ResponseParserError
        except ImportError:
            raise NotifyError(_NO_SDK, retry=False) from None

        try:
            self._client(endpoint).publish(**request)
        except ClientError as exc:
            raise _client_error(exc.response) from None
        except (ConnectTimeoutError, ReadTimeoutError):
            raise NotifyError("sns: request timed out", retry=True) from None
        except ResponseParserError:
            # A proxy or load balancer answering with HTML instead of SNS's XML: transient as a rule.
            raise NotifyError("sns: unparseable response from the service", retry=True) from None
        except (NoCredentialsError, PartialCredentialsError, NoRegionError, ParamValidationError) as exc:
            raise NotifyError(f"sns: {exc}", retry=False) from None
        except BotoCoreError as exc:
            # Connection errors name the endpoint URL; keep URLs out of errors as every channel does.
            raise NotifyError(f"sns: request failed: {type(exc).__name__}", retry=True) from None

    def _client(self, endpoint: str) -> SNSClient:
        with self._lock:
            if self._cfg.sigv4.role_arn and time.monotonic() >= self._role_expiry:
                self._clients.clear()
            client = self._clients.get(endpoint)
            if client is None:
                client = self._clients[endpoint] = self._new_client(endpoint)
            return client

    def _new_client(self, endpoint: str) -> SNSClient:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise NotifyError(_NO_SDK, retry=False) from None

        sig = self._cfg.sigv4
        session = boto3.Session(
            aws_access_key_id=sig.access_key or None,
            aws_secret_access_key=sig.secret_key.get_secret_value() if sig.secret_key else None,
            region_name=sig.region or None,
            profile_name=sig.profile or None,
        )
        if not session.region_name:
            raise NotifyError(
                "sns: region not configured in sns.sigv4.region or in default credentials chain", retry=False
            )
        sdk_config = Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=self._timeout,
            read_timeout=self._timeout,
            user_agent_extra="tocsin",
        )
        if sig.role_arn:
            session = self._assume_role(session, sdk_config)
        return session.client("sns", endpoint_url=endpoint or None, config=sdk_config, verify=self._verify())

    def _assume_role(self, session: Any, sdk_config: Any) -> Any:
        """Temporary credentials for role_arn; STS is asked without the SNS api_url, like Alertmanager."""
        import boto3

        sig = self._cfg.sigv4
        sts = session.client("sts", config=sdk_config)
        params: dict[str, Any] = {"RoleArn": sig.role_arn, "RoleSessionName": "tocsin-sns"}
        if sig.external_id:
            params["ExternalId"] = sig.external_id
        creds = sts.assume_role(**params)["Credentials"]
        lifetime = creds["Expiration"].timestamp() - time.time()
        self._role_expiry = time.monotonic() + max(0.0, lifetime - _ROLE_REFRESH_MARGIN)
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=session.region_name,
        )

    def _verify(self) -> bool | str | None:
        http = self._cfg.http_config
        tls = http.tls_config if http is not None else None
        if tls is None:
            return None
        if tls.insecure_skip_verify:
            return False
        return tls.ca_file or None


def _client_error(response: Any) -> NotifyError:
    meta = response.get("ResponseMetadata", {})
    status = int(meta.get("HTTPStatusCode") or 0)
    err = response.get("Error", {})
    code, message = str(err.get("Code", "")), str(err.get("Message", ""))[:300]
    retry = status >= 500 or status in (408, 429) or code in _THROTTLING
    retry_after = retry_after_seconds(meta.get("HTTPHeaders", {}).get("retry-after")) if retry else None
    return NotifyError(f"sns: unexpected status code {status}: {code}: {message}".rstrip(": "), retry, retry_after)


def build(cfg: SNSConfig, deps: NotifierDeps) -> Notifier:
    return SNSNotifier(cfg, deps)
