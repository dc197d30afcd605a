"""The data model templates see: Alertmanager's ``template.Data``, ``Alert``, ``KV`` and ``Pairs``.

Field and method names are Go's (``.CommonLabels.SortedPairs``) because existing templates use
them. KV deliberately has no ``String`` method: Alertmanager 0.25, our reference, prints a KV as
a Go map (``map[a:b]``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from tocsin.model.gostrings import quote_meta
from tocsin.notify.template.gotime import GoTime, go_time, parse_rfc3339
from tocsin.notify.template.gotypes import GoFunc, GoMap, GoSlice, GoStruct

ALERTNAME = "alertname"


def string_slice(items: Iterable[str]) -> GoSlice:
    return GoSlice("[]string", list(items))


class Pair(GoStruct):
    go_type: ClassVar[str] = "template.Pair"
    go_fields: ClassVar[tuple[str, ...]] = ("Name", "Value")
    __slots__ = ("f_Name", "f_Value")

    def __init__(self, name: str, value: str) -> None:
        self.f_Name = name
        self.f_Value = value


class Pairs(GoSlice):
    """template.Pairs: an ordered list of name/value pairs."""

    __slots__ = ()

    def __init__(self, items: Sequence[Pair] = ()) -> None:
        super().__init__("template.Pairs", items)

    def names(self) -> GoSlice:
        return string_slice(p.f_Name for p in self)

    def values(self) -> GoSlice:
        return string_slice(p.f_Value for p in self)

    def go_method(self, name: str) -> GoFunc | None:
        if name == "Names":
            return GoFunc("Names", (), "[]string", self.names)
        if name == "Values":
            return GoFunc("Values", (), "[]string", self.values)
        return None


class KV(GoMap):
    """template.KV: a label or annotation set."""

    __slots__ = ()

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        super().__init__("template.KV", items)

    def sorted_pairs(self) -> Pairs:
        # alertname first, the rest in byte order (Go's sort.Strings compares bytes)
        keys = sorted((k for k in self if k != ALERTNAME), key=lambda k: k.encode())
        if ALERTNAME in self:
            keys.insert(0, ALERTNAME)
        return Pairs([Pair(k, self[k]) for k in keys])

    def remove(self, keys: Sequence[str]) -> KV:
        drop = set(keys)
        return KV({k: v for k, v in self.items() if k not in drop})

    def go_method(self, name: str) -> GoFunc | None:
        if name == "SortedPairs":
            return GoFunc("SortedPairs", (), "template.Pairs", self.sorted_pairs)
        if name == "Remove":
            return GoFunc("Remove", ("[]string",), "template.KV", self.remove)
        if name == "Names":
            return GoFunc("Names", (), "[]string", lambda: self.sorted_pairs().names())
        if name == "Values":
            return GoFunc("Values", (), "[]string", lambda: self.sorted_pairs().values())
        return None


class Alert(GoStruct):
    go_type: ClassVar[str] = "template.Alert"
    go_fields: ClassVar[tuple[str, ...]] = (
        "Status",
        "Labels",
        "Annotations",
        "StartsAt",
        "EndsAt",
        "GeneratorURL",
        "Fingerprint",
    )
    __slots__ = tuple("f_" + f for f in go_fields)

    def __init__(
        self,
        status: str,
        labels: KV,
        annotations: KV,
        starts_at: GoTime,
        ends_at: GoTime,
        generator_url: str,
        fingerprint: str,
    ) -> None:
        self.f_Status = status
        self.f_Labels = labels
        self.f_Annotations = annotations
        self.f_StartsAt = starts_at
        self.f_EndsAt = ends_at
        self.f_GeneratorURL = generator_url
        self.f_Fingerprint = fingerprint


class Alerts(GoSlice):
    """template.Alerts, with the Firing/Resolved filters."""

    __slots__ = ()

    def __init__(self, items: Sequence[Alert] = ()) -> None:
        super().__init__("template.Alerts", items)

    def _with_status(self, status: str) -> GoSlice:
        return GoSlice("[]template.Alert", [a for a in self if a.f_Status == status])

    def go_method(self, name: str) -> GoFunc | None:
        if name == "Firing":
            return GoFunc("Firing", (), "[]template.Alert", lambda: self._with_status("firing"))
        if name == "Resolved":
            return GoFunc("Resolved", (), "[]template.Alert", lambda: self._with_status("resolved"))
        return None


class TemplateData(GoStruct):
    """template.Data: what ``.`` is at the top of a notification template."""

    go_type: ClassVar[str] = "template.Data"
    go_fields: ClassVar[tuple[str, ...]] = (
        "Receiver",
        "Status",
        "Alerts",
        "GroupLabels",
        "CommonLabels",
        "CommonAnnotations",
        "ExternalURL",
    )
    __slots__ = tuple("f_" + f for f in go_fields)

    def __init__(
        self,
        receiver: str,
        status: str,
        alerts: Alerts,
        group_labels: KV,
        common_labels: KV,
        common_annotations: KV,
        external_url: str,
    ) -> None:
        self.f_Receiver = receiver
        self.f_Status = status
        self.f_Alerts = alerts
        self.f_GroupLabels = group_labels
        self.f_CommonLabels = common_labels
        self.f_CommonAnnotations = common_annotations
        self.f_ExternalURL = external_url

    @property
    def receiver(self) -> str:
        return str(self.f_Receiver)

    @property
    def status(self) -> str:
        return str(self.f_Status)


@dataclass(frozen=True, slots=True)
class AlertView:
    """One alert as the notify stage hands it to templates."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)
    starts_at: dt.datetime = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    ends_at: dt.datetime = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    generator_url: str = ""
    fingerprint: str = ""
    status: str = "firing"


def template_data(
    receiver: str, group_labels: Mapping[str, str], alerts: Sequence[AlertView], external_url: str
) -> TemplateData:
    """Build the template data for one notification, as Alertmanager's ``Template.Data`` does."""
    converted = Alerts(
        [
            Alert(
                a.status,
                KV(a.labels),
                KV(a.annotations),
                go_time(a.starts_at),
                go_time(a.ends_at),
                a.generator_url,
                a.fingerprint,
            )
            for a in alerts
        ]
    )
    common_labels: dict[str, str] = {}
    common_annotations: dict[str, str] = {}
    if alerts:
        common_labels = dict(alerts[0].labels)
        common_annotations = dict(alerts[0].annotations)
        for a in alerts[1:]:
            if not common_labels and not common_annotations:
                break
            common_labels = {k: v for k, v in common_labels.items() if a.labels.get(k, "") == v}
            common_annotations = {k: v for k, v in common_annotations.items() if a.annotations.get(k, "") == v}
    status = "firing" if any(a.status == "firing" for a in alerts) else "resolved"
    return TemplateData(
        quote_meta(receiver),
        status,
        converted,
        KV(group_labels),
        KV(common_labels),
        KV(common_annotations),
        external_url,
    )


def data_from_json(obj: Mapping[str, Any]) -> TemplateData:
    """Decode Alertmanager's JSON form of ``template.Data`` (the webhook body, amtool's --template.data)."""

    def kv(v: Any) -> KV:
        return KV({str(k): str(x) for k, x in (v or {}).items()})

    def t(v: Any) -> GoTime:
        if not v:
            return GoTime(dt.datetime(1, 1, 1, tzinfo=dt.UTC))
        return parse_rfc3339(str(v))

    alerts = Alerts(
        [
            Alert(
                str(a.get("status", "")),
                kv(a.get("labels")),
                kv(a.get("annotations")),
                t(a.get("startsAt")),
                t(a.get("endsAt")),
                str(a.get("generatorURL", "")),
                str(a.get("fingerprint", "")),
            )
            for a in obj.get("alerts") or []
        ]
    )
    return TemplateData(
        str(obj.get("receiver", "")),
        str(obj.get("status", "")),
        alerts,
        kv(obj.get("groupLabels")),
        kv(obj.get("commonLabels")),
        kv(obj.get("commonAnnotations")),
        str(obj.get("externalURL", "")),
    )


def data_to_json(d: TemplateData) -> dict[str, Any]:
    """The JSON form of template data (used by toJson and the CLI)."""
    from tocsin.notify.template.functions import to_json_value

    out = to_json_value(d)
    assert isinstance(out, dict)
    return out
