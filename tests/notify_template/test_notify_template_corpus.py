"""Differential test: every corpus template rendered by Debian's amtool 0.25 and by Tocsin.

amtool runs for real (in a small thread pool so the whole corpus takes a couple of seconds).
Cases named ``default_*`` call Alertmanager's default templates: amtool gets Alertmanager's own
default.tmpl/email.tmpl, Tocsin its independently written defaults, so they test those too.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from .amtool_corpus import AMTOOL, Case, Outcome, load_cases, run_amtool, run_tocsin

CASES = load_cases()


@pytest.fixture(scope="module")
def amtool_results() -> dict[str, Outcome]:
    assert os.access(AMTOOL, os.X_OK), f"{AMTOOL} is required (Debian package prometheus-alertmanager)"
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(run_amtool, CASES))
    return {c.name: o for c, o in zip(CASES, outcomes, strict=True)}


def test_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 60
    names = [c.name for c in CASES]
    assert sum(n.startswith("default_") for n in names) >= 20
    assert sum(n.startswith("err_") for n in names) >= 10
    assert sum(n.startswith("rw_") for n in names) >= 10
    assert any(c.kind == "html" for c in CASES)


@pytest.mark.peer
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_matches_amtool(case: Case, amtool_results: dict[str, Outcome]) -> None:
    expected = amtool_results[case.name]
    got = run_tocsin(case)
    if expected.ok:
        assert got.ok, f"amtool rendered, Tocsin failed: {got.output}"
        assert got.output == expected.output
    else:
        assert not got.ok, f"amtool failed ({expected.output}), Tocsin rendered {got.output!r}"
        if not case.uses_defaults:
            # same wording, file, line and column as Go
            assert got.output == expected.output


def test_some_cases_fail_and_some_render(amtool_results: dict[str, Outcome]) -> None:
    # guards against a broken amtool invocation making every case "both fail"
    oks = sum(o.ok for o in amtool_results.values())
    assert oks >= 50
    assert len(amtool_results) - oks >= 10
