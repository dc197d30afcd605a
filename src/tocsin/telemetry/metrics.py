"""Prometheus metrics about Tocsin itself.

Names follow Alertmanager's exactly (so existing Grafana dashboards keep working); what is Tocsin's own is
prefixed `tocsin_`. Each server builds its own registry: no module-level global state.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

KNOWN_INTEGRATIONS = (
    "email", "pagerduty", "wechat", "pushover", "slack", "opsgenie", "webhook", "victorops", "sns",
    "telegram", "discord", "webex", "msteams", "msteamsv2", "jira", "rocketchat", "mattermost", "incidentio",
)


class Metrics:
    def __init__(self, version: str = "v2") -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.alerts = Gauge("alertmanager_alerts", "How many alerts by state.", ["state"], registry=r)
        self.marked_alerts = Gauge(
            "alertmanager_marked_alerts",
            "How many alerts by state are currently marked in the Alertmanager regardless of their expiry.",
            ["state"],
            registry=r,
        )
        self.alerts_received = Counter(
            "alertmanager_alerts_received", "The total number of received alerts.", ["version", "status"],
            registry=r,
        )
        self.alerts_invalid = Counter(
            "alertmanager_alerts_invalid", "The total number of received alerts that were invalid.",
            ["version"], registry=r,
        )
        self.alerts_invalid.labels(version)
        self.notifications = Counter(
            "alertmanager_notifications", "The total number of attempted notifications.", ["integration"],
            registry=r,
        )
        self.notifications_failed = Counter(
            "alertmanager_notifications_failed", "The total number of failed notifications.", ["integration"],
            registry=r,
        )
        self.notification_requests = Counter(
            "alertmanager_notification_requests", "The total number of attempted notification requests.",
            ["integration"], registry=r,
        )
        self.notification_requests_failed = Counter(
            "alertmanager_notification_requests_failed", "The total number of failed notification requests.",
            ["integration"], registry=r,
        )
        self.notification_latency = Histogram(
            "alertmanager_notification_latency_seconds", "The latency of notifications in seconds.",
            ["integration"], buckets=(1, 5, 10, 15, 20), registry=r,
        )
        for integration in KNOWN_INTEGRATIONS:
            self.notifications.labels(integration)
            self.notifications_failed.labels(integration)
            self.notification_requests.labels(integration)
            self.notification_requests_failed.labels(integration)
            self.notification_latency.labels(integration)
        self.silences = Gauge("alertmanager_silences", "How many silences by state.", ["state"], registry=r)
        self.silences_queries = Counter(
            "alertmanager_silences_queries", "How many silence queries were received.", registry=r
        )
        self.silences_query_errors = Counter(
            "alertmanager_silences_query_errors", "How many silence received queries did not succeed.",
            registry=r,
        )
        self.silences_gc_duration = Histogram(
            "alertmanager_silences_gc_duration_seconds", "Duration of the last silence garbage collection cycle.",
            registry=r,
        )
        self.nflog_queries = Counter(
            "alertmanager_nflog_queries", "Number of notification log queries were received.", registry=r
        )
        self.nflog_query_errors = Counter(
            "alertmanager_nflog_query_errors", "Number notification log received queries that failed.",
            registry=r,
        )
        self.nflog_query_duration = Histogram(
            "alertmanager_nflog_query_duration_seconds", "Duration of notification log query evaluation.",
            registry=r,
        )
        self.nflog_gc_duration = Histogram(
            "alertmanager_nflog_gc_duration_seconds", "Duration of the last notification log garbage collection cycle.",
            registry=r,
        )
        self.nflog_entries = Gauge(
            "tocsin_nflog_entries", "Entries held in the notification log.", registry=r
        )
        self.config_hash = Gauge(
            "alertmanager_config_hash", "Hash of the currently loaded alertmanager configuration.", registry=r
        )
        self.config_last_reload_successful = Gauge(
            "alertmanager_config_last_reload_successful",
            "Whether the last configuration reload attempt was successful.",
            registry=r,
        )
        self.config_last_reload_success_timestamp = Gauge(
            "alertmanager_config_last_reload_success_timestamp_seconds",
            "Timestamp of the last successful configuration reload.", registry=r,
        )
        self.aggregation_groups = Gauge(
            "alertmanager_dispatcher_aggregation_groups", "Number of active aggregation groups", registry=r
        )
        self.alert_processing_duration = Histogram(
            "alertmanager_dispatcher_alert_processing_duration_seconds",
            "Summary of latencies for the processing of alerts.", registry=r,
        )
        self.receivers = Gauge("alertmanager_receivers", "Number of configured receivers.", registry=r)
        self.integrations = Gauge("alertmanager_integrations", "Number of configured integrations.", registry=r)
        self.cluster_enabled = Gauge(
            "alertmanager_cluster_enabled", "Indicates whether the clustering is enabled or not.", registry=r
        )
        self.build_info = Gauge(
            "alertmanager_build_info", "A metric with a constant '1' value labeled by version.",
            ["version", "revision", "branch", "goversion"], registry=r,
        )
        self.http_request_duration = Histogram(
            "alertmanager_http_request_duration_seconds", "Histogram of latencies for HTTP requests.",
            ["handler", "method"], buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 20, 60), registry=r,
        )
        # Tocsin's own.
        self.storage_write_seconds = Histogram(
            "tocsin_storage_write_seconds", "Latency of one group commit to the database.", ["table"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5), registry=r,
        )
        self.storage_write_rows = Counter(
            "tocsin_storage_written_rows", "Rows written (upserted or deleted) by the write-behind queue.",
            ["table"], registry=r,
        )
        self.storage_write_errors = Counter(
            "tocsin_storage_write_errors", "Group commits that failed and were retried.", registry=r
        )
        self.outbox_depth = Gauge(
            "tocsin_outbox_depth", "Notifications accepted and not yet delivered (pending or in flight).", registry=r
        )
        self.dead_letters = Gauge(
            "tocsin_outbox_dead_letters", "Notifications that failed permanently and wait for `tocsin notify retry`.",
            registry=r,
        )
        self.circuit_state = Gauge(
            "tocsin_notify_circuit_state", "Circuit breaker per endpoint: 0 closed, 1 open, 2 half-open.",
            ["receiver", "integration"], registry=r,
        )
        self.write_queue_depth = Gauge(
            "tocsin_storage_write_queue_depth", "Changes waiting for the next group commit.", registry=r
        )
