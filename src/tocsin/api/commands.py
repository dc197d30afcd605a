"""`tocsin alert|silence|config`: amtool 0.25's commands, flags and output, over Alertmanager's API v2.

Operators keep scripts that parse amtool's tables and JSON, so the output here is what Debian's amtool 0.25
prints, down to Go's tabwriter padding (every cell, the last included, is padded by two spaces) and Go time
layouts for `--date.format`. The commands talk HTTP only, so they work against Alertmanager as well as
Tocsin. Defaults come from the command line, then environment variables, then amtool's own configuration
files (`~/.config/prometheus/amtool.yml`, `/etc/prometheus/amtool.yml`), so an existing amtool set-up carries
over unchanged.
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import re
import sys
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import typer
import yaml
from typer.core import TyperGroup

from tocsin.api.cli_format import TreeNode, format_alerts, format_config, format_silences, render_tree, tabwrite
from tocsin.api.client import (
    DEFAULT_URL,
    AlertmanagerClient,
    AlertmanagerStatus,
    APIError,
    ApiMatcher,
    GettableAlert,
    GettableSilence,
    GoTime,
    PostableSilence,
)
from tocsin.model.duration import DurationError, parse_duration, parse_go_duration
from tocsin.model.matchers import Matcher, MatcherError, MatchType, parse_matcher, parse_matchers

if TYPE_CHECKING:
    from tocsin.alerting.route import RouteNode
    from tocsin.config import Route

__all__ = [
    "CONFIG_FILES",
    "CommandError",
    "alert_app",
    "config_app",
    "format_alerts",
    "format_silences",
    "render_tree",
    "silence_app",
    "tabwrite",
]

_T = TypeVar("_T")

DEFAULT_DATE_FORMAT = "2006-01-02 15:04:05 MST"
OUTPUT_FORMATS = ("simple", "extended", "json")
PROG = "tocsin"


def _config_files() -> list[Path]:
    home = os.environ.get("HOME", "")
    return [Path(home) / ".config/prometheus/amtool.yml", Path("/etc/prometheus/amtool.yml")]


CONFIG_FILES: Callable[[], list[Path]] = _config_files
"""Where amtool looks for flag defaults; a function so a changed $HOME is honoured."""

_LEGACY_KEYS = {"comment_required": "require-comment"}


class CommandError(Exception):
    """A user-facing failure: printed as `tocsin: error: <message>`, exit status 1."""


# ---------------------------------------------------------------------------------------------------------
# Settings: command line, then environment, then amtool.yml, then amtool's defaults.


def _file_defaults() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in CONFIG_FILES():
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise CommandError(f"could not load config file {path}: {exc.strerror}") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CommandError(f"could not load config file {path}: {exc}") from None
        if data is None:
            continue
        if not isinstance(data, dict):
            raise CommandError(f"could not load config file {path}: expected a map of flag names to values")
        for key, value in data.items():
            name = _LEGACY_KEYS.get(str(key), str(key))
            if name != key and name in data:
                continue
            text_value = ("true" if value else "false") if isinstance(value, bool) else str(value)
            found.setdefault(name, text_value)
    return found


@dataclass
class Settings:
    url: str
    output: str
    date_format: str
    timeout: float
    file_values: dict[str, str]
    url_given: bool


def _settings(url: str | None, output: str | None, date_format: str | None, timeout: str | None) -> Settings:
    files = _file_defaults()
    out = output or files.get("output") or "simple"
    if out not in OUTPUT_FORMATS:
        raise CommandError(f"invalid output format {out!r}: expected one of {', '.join(OUTPUT_FORMATS)}")
    timeout_text = timeout or files.get("timeout") or "30s"
    try:
        seconds = parse_go_duration(timeout_text)
    except (DurationError, ValueError) as exc:
        raise CommandError(f"invalid --timeout: {exc}") from None
    if seconds <= 0:
        raise CommandError(f"invalid --timeout {timeout_text!r}: must be greater than 0")
    return Settings(
        url=url or files.get("alertmanager.url") or DEFAULT_URL,
        output=out,
        date_format=date_format or files.get("date.format") or DEFAULT_DATE_FORMAT,
        timeout=seconds,
        file_values=files,
        url_given=bool(url or files.get("alertmanager.url")),
    )


def _run(settings: Settings, work: Callable[[AlertmanagerClient], Coroutine[Any, Any, _T]]) -> _T:
    async def main() -> _T:
        async with AlertmanagerClient(settings.url, timeout=settings.timeout) as client:
            return await asyncio.wait_for(work(client), settings.timeout)

    try:
        return asyncio.run(main())
    except TimeoutError:
        raise CommandError(f"timed out after {settings.timeout:g}s talking to {settings.url}") from None


def _fail(message: str) -> NoReturn:
    typer.echo(f"{PROG}: error: {message}", err=True)
    raise typer.Exit(1)


def _guard(action: Callable[[], None]) -> None:
    """Run a command body, turning expected failures into one line on stderr and exit status 1."""
    try:
        action()
    except (CommandError, APIError) as exc:
        _fail(str(exc))


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# Options shared by every command (amtool's global flags); they may appear anywhere after the command.
_URL = typer.Option(
    None,
    "--alertmanager.url",
    envvar="ALERTMANAGER_URL",
    help="Alertmanager to talk to [default: http://localhost:9093/].",
    show_default=False,
)
_OUTPUT = typer.Option(
    None,
    "--output",
    "-o",
    envvar="AMTOOL_OUTPUT",
    help="Output formatter (simple, extended, json).",
    show_default=False,
)
_DATE = typer.Option(
    None,
    "--date.format",
    help=f"Format of date output (a Go layout) [default: {DEFAULT_DATE_FORMAT}].",
    show_default=False,
)
_TIMEOUT = typer.Option(None, "--timeout", help="Timeout for the executed command [default: 30s].", show_default=False)
_VERBOSE = typer.Option(False, "--verbose", "-v", hidden=True, help="Accepted for amtool compatibility.")
_VERSION_CHECK = typer.Option(
    True, "--version-check/--no-version-check", hidden=True, help="Accepted for amtool compatibility."
)


class DefaultGroup(TyperGroup):
    """A group that runs its default sub-command when none is named (`amtool silence` = `silence query`).

    Like amtool, it also lets the shared flags come before the sub-command
    (`silence --alertmanager.url X add ...`): the sub-command's name is moved to the front.
    """

    default_command = ""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args[:1] in (["--help"], ["-h"]) or not self.default_command:
            return super().parse_args(ctx, args)
        position = self._command_position(ctx, args)
        if position is None:
            args = [self.default_command, *args]
        elif position > 0:
            args = [args[position], *args[:position], *args[position + 1 :]]
        return super().parse_args(ctx, args)

    def _command_position(self, ctx: Any, args: list[str]) -> int | None:
        """Index of the first positional argument if it names a sub-command, else None."""
        takes_value: set[str] = set()
        for command in self.commands.values():
            for param in command.get_params(ctx):
                if getattr(param, "is_flag", True) or getattr(param, "param_type_name", "") != "option":
                    continue
                takes_value.update(param.opts)
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                return None
            if arg.startswith("-") and len(arg) > 1:
                i += 2 if "=" not in arg and arg in takes_value else 1
                continue
            return i if arg in self.commands else None
        return None


def _default_group(name: str) -> type[DefaultGroup]:
    return type(f"DefaultGroup_{name}", (DefaultGroup,), {"default_command": name})


# ---------------------------------------------------------------------------------------------------------
# Matchers and labels on the command line.


_LOOKS_LIKE_MATCHER = re.compile(r"\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*(=~|=|!=|!~)")


def _matchers_from_args(args: Sequence[str], alertname_first: bool = True) -> list[Matcher]:
    """Each argument is a matcher (`a=b`, `a=~"x.*"`) or a group of them (`{a="b",c!="d"}`).

    As in amtool, a first argument that is not a matcher names the alert: `foo` means `alertname=foo`.
    Unlike amtool, a first argument that starts like a matcher but is broken (`job=~(`) is an error rather
    than a silent query for an alert of that name.
    """
    out: list[Matcher] = []
    for i, arg in enumerate(args):
        try:
            out.extend(parse_matchers(arg) if arg.lstrip().startswith("{") else [parse_matcher(arg)])
        except MatcherError as exc:
            if i == 0 and alertname_first and not _LOOKS_LIKE_MATCHER.match(arg):
                try:
                    out.append(parse_matcher(f"alertname={arg}"))
                    continue
                except MatcherError:
                    pass
            raise CommandError(f"invalid matcher {arg!r}: {exc.message}") from None
    return out


def _labels_from_args(args: Sequence[str], what: str) -> dict[str, str]:
    labels: dict[str, str] = {}
    for arg in args:
        try:
            matcher = parse_matcher(arg)
        except MatcherError as exc:
            raise CommandError(f"invalid {what} {arg!r}: {exc.message}") from None
        if matcher.type is not MatchType.EQUAL:
            raise CommandError(f"invalid {what} {arg!r}: labels must be specified as key=value pairs")
        labels[matcher.name] = matcher.value
    return labels


def _api_matcher(m: Matcher) -> ApiMatcher:
    return ApiMatcher(m.name, m.value, m.is_regex, m.is_equal)


def _parse_time(flag: str, value: str) -> GoTime:
    try:
        return GoTime.parse(value)
    except ValueError:
        raise CommandError(
            f"invalid {flag} {value!r}: expected an RFC 3339 time like 2006-01-02T15:04:05-07:00"
        ) from None


def _parse_prom_duration(flag: str, value: str) -> float:
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise CommandError(f"invalid {flag}: {exc}") from None


# ---------------------------------------------------------------------------------------------------------
# tocsin alert


alert_app = typer.Typer(cls=_default_group("query"), add_completion=False, help="Add or query alerts (default: query).")


@alert_app.command("query")
def alert_query(
    matcher_groups: list[str] = typer.Argument(None, help="Query filter, e.g. alertname=foo 'severity=~crit.*'."),
    inhibited: bool = typer.Option(False, "--inhibited", "-i", help="Show inhibited alerts."),
    silenced: bool = typer.Option(False, "--silenced", "-s", help="Show silenced alerts."),
    active: bool = typer.Option(False, "--active", "-a", help="Show active alerts."),
    unprocessed: bool = typer.Option(False, "--unprocessed", "-u", help="Show unprocessed alerts."),
    receiver: str = typer.Option("", "--receiver", "-r", help="Show alerts matching receiver (regex)."),
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """View and search through current alerts. With no state flag, only active alerts are shown."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        filters = [str(m) for m in _matchers_from_args(matcher_groups or [])]
        show_active = active or not (inhibited or silenced or unprocessed)

        async def work(client: AlertmanagerClient) -> list[GettableAlert]:
            return await client.get_alerts(filters, show_active, silenced, inhibited, unprocessed, receiver)

        alerts = _run(settings, work)
        _out(format_alerts(alerts, settings.output, settings.date_format))

    _guard(body)


@alert_app.command("add")
def alert_add(
    labels: list[str] = typer.Argument(None, help="Labels of the alert; a bare first word is the alertname."),
    annotation: list[str] = typer.Option([], "--annotation", help="An annotation, name=value (repeatable)."),
    generator_url: str = typer.Option("", "--generator-url", help="URL of the source that generated the alert."),
    start: str = typer.Option("", "--start", help="When the alert starts, RFC 3339 (2006-01-02T15:04:05-07:00)."),
    end: str = typer.Option("", "--end", help="When the alert ends, RFC 3339 (2006-01-02T15:04:05-07:00)."),
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Add a new alert, e.g. `tocsin alert add foo node=bar --annotation=summary='disk full'`."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        args = list(labels or [])
        if args:
            try:
                _labels_from_args(args[:1], "label")
            except CommandError:
                args[0] = f"alertname={args[0]}"
        label_set = _labels_from_args(args, "label")
        annotations = _labels_from_args(annotation, "annotation")
        alert: dict[str, Any] = {}
        if annotations:
            alert["annotations"] = dict(sorted(annotations.items()))
        if end:
            alert["endsAt"] = _parse_time("--end", end)
        if start:
            alert["startsAt"] = _parse_time("--start", start)
        if generator_url:
            alert["generatorURL"] = generator_url
        alert["labels"] = dict(sorted(label_set.items()))

        async def work(client: AlertmanagerClient) -> None:
            await client.post_alerts([alert])

        _run(settings, work)

    _guard(body)


# ---------------------------------------------------------------------------------------------------------
# tocsin silence


silence_app = typer.Typer(
    cls=_default_group("query"),
    add_completion=False,
    help="Add, expire, import, update or view silences (default: query).",
)


def _username() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except (KeyError, OSError):
        return ""


@silence_app.command("add")
def silence_add(
    matcher_groups: list[str] = typer.Argument(
        None, help="Matchers of the silence; a bare first word is the alertname."
    ),
    author: str | None = typer.Option(None, "--author", "-a", help="Username for the createdBy field."),
    require_comment: bool | None = typer.Option(
        None, "--require-comment/--no-require-comment", hidden=True, help="Require a comment (default true)."
    ),
    duration: str = typer.Option("1h", "--duration", "-d", help="Duration of the silence."),
    start: str = typer.Option("", "--start", help="When the silence starts, RFC 3339 [default: now]."),
    end: str = typer.Option("", "--end", help="When the silence ends, RFC 3339 (overrides --duration)."),
    comment: str | None = typer.Option(None, "--comment", "-c", help="A comment to help describe the silence."),
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Add a silence and print its ID, e.g. `tocsin silence add alertname=foo -c 'maintenance' -d 2h`."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        files = settings.file_values
        matchers = _matchers_from_args(matcher_groups or [])
        if not matchers:
            raise CommandError("no matchers specified")
        starts_at = _parse_time("--start", start) if start else GoTime.now()
        if end:
            ends_at = _parse_time("--end", end)
        else:
            seconds = _parse_prom_duration("--duration", duration)
            if seconds == 0:
                raise CommandError("silence duration must be greater than 0")
            ends_at = starts_at.utc().add_seconds(seconds)
        if starts_at.epoch_ns > ends_at.epoch_ns:
            raise CommandError("silence cannot start after it ends")
        text = comment if comment is not None else files.get("comment", "")
        needs_comment = require_comment
        if needs_comment is None:
            needs_comment = files.get("require-comment", "true").lower() not in ("false", "0", "no")
        if needs_comment and not text:
            raise CommandError("comment required by config")
        silence = PostableSilence(
            matchers=[_api_matcher(m) for m in matchers],
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=author or files.get("author") or _username(),
            comment=text,
        )

        async def work(client: AlertmanagerClient) -> str:
            return await client.post_silence(silence)

        _out(_run(settings, work) + "\n")

    _guard(body)


@silence_app.command("query")
def silence_query(
    matcher_groups: list[str] = typer.Argument(None, help="Query filter; a bare first word is the alertname."),
    expired: bool = typer.Option(False, "--expired", help="Show expired silences instead of active ones."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only show silence IDs."),
    created_by: str = typer.Option("", "--created-by", help="Show silences that belong to this creator."),
    within: str = typer.Option(
        "", "--within", help="Show silences that will expire (or, with --expired, expired) within a duration."
    ),
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Query silences; by default the ones that have not expired."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        filters = [str(m) for m in _matchers_from_args(matcher_groups or [])]
        window_ns = 0
        if within:
            try:
                window_ns = round(parse_go_duration(within) * 1e9)
            except (DurationError, ValueError):
                window_ns = round(_parse_prom_duration("--within", within) * 1e9)

        async def work(client: AlertmanagerClient) -> list[GettableSilence]:
            return await client.get_silences(filters)

        silences = select_silences(_run(settings, work), expired, window_ns, created_by, GoTime.now().epoch_ns)
        if quiet:
            _out("".join(s.id + "\n" for s in silences))
        else:
            _out(format_silences(silences, settings.output, settings.date_format))

    _guard(body)


def select_silences(
    silences: Iterable[GettableSilence], expired: bool, window_ns: int, created_by: str, now_ns: int
) -> list[GettableSilence]:
    """amtool's client-side filter: active or expired, optionally within a window around now, by author."""
    out: list[GettableSilence] = []
    for s in silences:
        ends = s.ends_at.epoch_ns
        if not expired and ends < now_ns:
            continue
        if expired and ends > now_ns:
            continue
        if not expired and window_ns > 0 and ends > now_ns + window_ns:
            continue
        if expired and window_ns > 0 and ends < now_ns - window_ns:
            continue
        if created_by and s.created_by != created_by:
            continue
        out.append(s)
    return out


@silence_app.command("expire")
def silence_expire(
    silence_ids: list[str] = typer.Argument(None, help="IDs of the silences to expire."),
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Expire silences by ID; stops at the first one the server refuses."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        ids = list(silence_ids or [])
        if not ids:
            raise CommandError("no silence IDs specified")

        async def work(client: AlertmanagerClient) -> None:
            for sid in ids:
                await client.delete_silence(sid)

        _run(settings, work)

    _guard(body)


@silence_app.command("import")
def silence_import(
    input_file: Path | None = typer.Argument(None, help="JSON file with silences (default: standard input)."),
    force: bool = typer.Option(False, "--force", "-f", help="Always create new silences, ignoring their IDs."),
    worker: int = typer.Option(8, "--worker", "-w", min=1, help="Number of concurrent requests."),
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Import silences written by `silence query -o json`; prints the ID of each silence created or updated.

    A silence whose ID the server does not know is created as a new one.
    """

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        silences = _read_silences(input_file)
        if force:
            for s in silences:
                s.id = ""
        results = _run(settings, lambda client: _import(client, silences, worker))
        failures = 0
        for original, result in zip(silences, results, strict=True):
            if isinstance(result, str):
                _out(result + "\n")
            else:
                failures += 1
                typer.echo(f"Error adding silence id='{original.id}': {result}", err=True)
        if failures:
            raise CommandError(f"couldn't import {failures} out of {len(silences)} silences")

    _guard(body)


def _read_silences(input_file: Path | None) -> list[PostableSilence]:
    where = str(input_file) if input_file is not None else "standard input"
    try:
        text = input_file.read_text(encoding="utf-8") if input_file is not None else sys.stdin.read()
    except OSError as exc:
        raise CommandError(f"cannot read {where}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CommandError(f"cannot read {where}: not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"couldn't unmarshal input data, is it JSON? {where}: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, list):
        raise CommandError(f"couldn't unmarshal input data: {where} must hold a JSON list of silences")
    out: list[PostableSilence] = []
    for i, item in enumerate(data):
        try:
            out.append(PostableSilence.decode(item, f"silence {i}"))
        except ValueError as exc:
            raise CommandError(f"couldn't unmarshal input data in {where}: {exc}") from None
    return out


async def _import(client: AlertmanagerClient, silences: list[PostableSilence], workers: int) -> list[str | APIError]:
    gate = asyncio.Semaphore(workers)

    async def one(s: PostableSilence) -> str | APIError:
        async with gate:
            try:
                try:
                    return await client.post_silence(s)
                except APIError as exc:
                    if exc.status != 404 or not s.id:
                        raise
                    # The ID is unknown here (another server, or garbage-collected): create it anew.
                    fresh = PostableSilence(s.matchers, s.starts_at, s.ends_at, s.created_by, s.comment)
                    return await client.post_silence(fresh)
            except APIError as exc:
                return exc

    return list(await asyncio.gather(*(one(s) for s in silences)))


@silence_app.command("update")
def silence_update(
    update_ids: list[str] = typer.Argument(None, help="IDs of the silences to update."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only show silence IDs."),
    duration: str = typer.Option("", "--duration", "-d", help="New duration, counted from the start."),
    start: str = typer.Option("", "--start", help="New start, RFC 3339."),
    end: str = typer.Option("", "--end", help="New end, RFC 3339 (overrides --duration)."),
    comment: str = typer.Option("", "--comment", "-c", help="New comment."),
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Change the times or comment of silences and print them as they now are."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        ids = list(update_ids or [])
        if not ids:
            raise CommandError("no silence IDs specified")
        new_start = _parse_time("--start", start) if start else None
        new_end = _parse_time("--end", end) if end else None
        seconds = _parse_prom_duration("--duration", duration) if duration and not end else None
        if seconds == 0:
            raise CommandError("silence duration must be greater than 0")

        async def work(client: AlertmanagerClient) -> list[GettableSilence]:
            updated: list[GettableSilence] = []
            for sid in ids:
                s = await client.get_silence(sid)
                if new_start is not None:
                    s.starts_at = new_start
                if new_end is not None:
                    s.ends_at = new_end
                elif seconds is not None:
                    s.ends_at = s.starts_at.utc().add_seconds(seconds)
                if s.starts_at.epoch_ns > s.ends_at.epoch_ns:
                    raise CommandError(f"silence {sid} cannot start after it ends")
                if comment:
                    s.comment = comment
                post = PostableSilence(s.matchers, s.starts_at, s.ends_at, s.created_by, s.comment, id=s.id)
                s.id = await client.post_silence(post)
                updated.append(s)
            return updated

        silences = _run(settings, work)
        if quiet:
            _out("".join(s.id + "\n" for s in silences))
        else:
            _out(format_silences(silences, settings.output, settings.date_format))

    _guard(body)


# ---------------------------------------------------------------------------------------------------------
# tocsin config [show] | config routes [show|test]


config_app = typer.Typer(
    cls=_default_group("show"), add_completion=False, help="View the running configuration and routing tree."
)
routes_app = typer.Typer(cls=_default_group("show"), add_completion=False, help="Print or test the alert routing tree.")
config_app.add_typer(routes_app, name="routes")


@config_app.command("show")
def config_show(
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Print the server's running configuration (extended adds version and uptime; json the whole status)."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)

        async def work(client: AlertmanagerClient) -> AlertmanagerStatus:
            return await client.get_status()

        _out(format_config(_run(settings, work), settings.output))

    _guard(body)


_CONFIG_FILE = typer.Option(
    None, "--config.file", help="Configuration file to read the routes from (instead of the server's)."
)


@dataclass
class RouteView:
    """One route as amtool shows it, with the matching node of Tocsin's routing tree."""

    matchers: list[Matcher]
    continue_: bool
    receiver: str
    node: RouteNode
    routes: list[RouteView]

    def slug(self, show_continue: bool, show_receiver: bool) -> str:
        text = "{" + ",".join(str(m) for m in self.matchers) + "}" if self.matchers else "default-route"
        if self.continue_ and show_continue:
            text += "  continue: true"
        if show_receiver:
            text += "  receiver: " + self.receiver
        return text


def build_route_view(route: Route) -> RouteView:
    """Pair each configured route with its routing-tree node; matchers are shown as Alertmanager builds
    them (legacy `match_re` values anchored as `^(?:...)$`, all sorted)."""
    from tocsin.alerting.route import build_route_tree

    return _view(route, build_route_tree(route), "")


def _view(route: Route, node: RouteNode, parent_receiver: str) -> RouteView:
    own = list(route.own_matchers)
    legacy = [Matcher(k, MatchType.EQUAL, v) for k, v in (route.match or {}).items()]
    legacy += [Matcher(k, MatchType.REGEX, f"^(?:{v})$") for k, v in (route.match_re or {}).items()]
    matchers = sorted(legacy + own, key=Matcher.sort_key)
    receiver = route.receiver or parent_receiver
    children = [_view(r, n, receiver) for r, n in zip(route.routes, node.routes, strict=True)]
    return RouteView(matchers, bool(route.continue_), receiver, node, children)


def _load_routes(settings: Settings, config_file: Path | None) -> RouteView:
    from tocsin.config import ConfigError, load_config_file, load_config_text

    try:
        if config_file is not None:
            if settings.url_given:
                typer.echo("Warning: --config.file flag overrides the --alertmanager.url.", err=True)
            config = load_config_file(config_file)
        else:

            async def work(client: AlertmanagerClient) -> AlertmanagerStatus:
                return await client.get_status()

            config = load_config_text(_run(settings, work).original, filename=f"{settings.url} (running config)")
    except ConfigError as exc:
        raise CommandError(str(exc)) from None
    return build_route_view(config.route)


@routes_app.command("show")
def routes_show(
    config_file: Path | None = _CONFIG_FILE,
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Print the routing tree of a configuration file or of the running server."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        view = _load_routes(settings, config_file)
        root = TreeNode(".")
        _show_tree(view, root)
        _out("Routing tree:\n" + render_tree(root) + "\n")

    _guard(body)


def _show_tree(view: RouteView, parent: TreeNode) -> None:
    branch = parent.add(view.slug(show_continue=True, show_receiver=True))
    for child in view.routes:
        _show_tree(child, branch)


def _matching_tree(view: RouteView, parent: TreeNode, labels: dict[str, str]) -> None:
    from tocsin.model.matchers import matches_all

    branch = parent.add(view.slug(show_continue=False, show_receiver=False))
    final = True
    for child in view.routes:
        if matches_all(child.node.matchers, labels):
            _matching_tree(child, branch, labels)
            final = False
            if not child.continue_:
                break
    if final:
        branch.value = view.slug(show_continue=False, show_receiver=True)


@routes_app.command("test")
def routes_test(
    labels: list[str] = typer.Argument(None, help="Labels to route, e.g. service=database severity=page."),
    verify_receivers: str = typer.Option(
        "", "--verify.receivers", help="Fail unless the labels route to exactly these receivers (comma-separated)."
    ),
    tree: bool = typer.Option(False, "--tree", help="Print the matching part of the routing tree."),
    config_file: Path | None = _CONFIG_FILE,
    url: str | None = _URL,
    output: str | None = _OUTPUT,
    date_format: str | None = _DATE,
    timeout: str | None = _TIMEOUT,
    verbose: bool = _VERBOSE,
    version_check: bool = _VERSION_CHECK,
) -> None:
    """Print the receivers a label set routes to, in routing-tree order."""

    def body() -> None:
        settings = _settings(url, output, date_format, timeout)
        view = _load_routes(settings, config_file)
        try:
            label_set = _labels_from_args(labels or [], "label")
        except CommandError as exc:
            raise CommandError(f"Failed to parse labels: {exc}") from None
        if tree:
            root = TreeNode(".")
            _matching_tree(view, root, label_set)
            _out("Matching routes:\n" + render_tree(root) + "\n\n")
        receivers = ",".join(node.receiver for node in view.node.match(label_set))
        _out(receivers + "\n")
        if verify_receivers and verify_receivers != receivers:
            _out("WARNING: Expected receivers did not match resolved receivers.\n")
            raise typer.Exit(1)

    _guard(body)
