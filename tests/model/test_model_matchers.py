from __future__ import annotations

import contextlib
import copy
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.model.matchers import (
    CompiledRegex,
    Matcher,
    MatcherError,
    MatchType,
    format_matchers,
    matches_all,
    parse_matcher,
    parse_matchers,
)

EQ, NE, RE, NRE = MatchType.EQUAL, MatchType.NOT_EQUAL, MatchType.REGEX, MatchType.NOT_REGEX


# Cases from Alertmanager 0.25 pkg/labels/parse_test.go (expected values written out by hand).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{foo="bar"}', [Matcher("foo", EQ, "bar")]),
        ('{foo=~"bar.*"}', [Matcher("foo", RE, "bar.*")]),
        ('{foo!="bar"}', [Matcher("foo", NE, "bar")]),
        ('{foo!~"bar.*"}', [Matcher("foo", NRE, "bar.*")]),
        ('{foo="bar", baz!="quux"}', [Matcher("foo", EQ, "bar"), Matcher("baz", NE, "quux")]),
        ('{foo=""}', [Matcher("foo", EQ, "")]),
        ('{foo="bar,quux", job="job1"}', [Matcher("foo", EQ, "bar,quux"), Matcher("job", EQ, "job1")]),
        ('{foo = "bar", dings != "bums", }', [Matcher("foo", EQ, "bar"), Matcher("dings", NE, "bums")]),
        ("foo=bar,dings!=bums", [Matcher("foo", EQ, "bar"), Matcher("dings", NE, "bums")]),
        (
            '{quote="She said: \\"Hi, ladies! That\'s gender-neutral…\\""}',
            [Matcher("quote", EQ, 'She said: "Hi, ladies! That\'s gender-neutral…"')],
        ),
        ('statuscode=~"5.."', [Matcher("statuscode", RE, "5..")]),
        ("tricky=~~~", [Matcher("tricky", RE, "~~")]),
        (r"trickier==\\=\=\"", [Matcher("trickier", EQ, '=\\=\\="')]),
        (
            r'contains_quote != "\"" , contains_comma !~ "foo,bar" , ',
            [Matcher("contains_quote", NE, '"'), Matcher("contains_comma", NRE, "foo,bar")],
        ),
        ("job=", [Matcher("job", EQ, "")]),
        ("", []),
        ("{}", []),
        ('a="line\\nbreak"', [Matcher("a", EQ, "line\nbreak")]),
        ("a:b_c=\\", [Matcher("a:b_c", EQ, "\\")]),
    ],
)
def test_matchers_parse_like_alertmanager(text: str, expected: list[Matcher]) -> None:
    assert parse_matchers(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('job="value', 'matcher value contains unescaped double quote: "value'),
        ('job=value"', 'matcher value contains unescaped double quote: value"'),
        (r'trickier==\\=\=\""', "unescaped double quote"),
        ('contains_unescaped_quote = foo"bar', 'unescaped double quote: foo"bar'),
        ('{invalid-name = "valid label"}', 'bad matcher format: invalid-name = "valid label"'),
        ('{foo=~"invalid[regexp"}', "missing ]"),
        ('"{foo=\\"bar"}', "bad matcher format"),
        ('"foo="bar""', "bad matcher format"),
        ("a=b,,c=d", "bad matcher format: "),
        ("a", "bad matcher format: a"),
        ("1a=b", "bad matcher format"),
    ],
)
def test_matchers_reject_bad_input(text: str, fragment: str) -> None:
    with pytest.raises(MatcherError) as info:
        parse_matchers(text)
    assert fragment in str(info.value)
    assert repr(text) in str(info.value)


def test_matchers_error_points_at_the_bad_token() -> None:
    with pytest.raises(MatcherError) as info:
        parse_matchers('a="1", b="2", c=~"("')
    assert info.value.position == 17
    assert info.value.text == 'a="1", b="2", c=~"("'
    with pytest.raises(MatcherError) as info:
        parse_matchers("a=1, b")
    assert info.value.position == 4


@pytest.mark.parametrize(
    "pattern",
    [r"(a)\1", "(?=a)a", "(?!a)b", "(?<=a)b", "(?<!a)b", "a**", "(?P<x>a)(?P=x)", r"\Z", "a{1001}", r"\C"],
)
def test_matchers_reject_regexes_that_go_rejects(pattern: str) -> None:
    with pytest.raises(MatcherError, match="invalid regular expression"):
        Matcher("x", RE, pattern)
    with pytest.raises(MatcherError):
        parse_matcher(f'x=~"{pattern}"')


def test_matchers_regex_is_anchored_and_re2_flavoured() -> None:
    m = parse_matcher('job=~"api|web"')
    assert m.matches("api") and m.matches("web")
    assert not m.matches("api2") and not m.matches("xweb")
    assert not m.matches("api\n")
    # Go's anchoring is textual, so an alternation-breaking pattern behaves as in Alertmanager.
    assert parse_matcher('x=~"a)|(b"').matches("a-anything")
    assert parse_matcher('x=~"(?i)ERROR"').matches("error")
    assert parse_matcher('x=~"[[:digit:]]+"').matches("123")
    assert parse_matcher(r'x=~"\\d+"').matches("42")
    assert not parse_matcher(r'x=~"\\d+"').matches("٤٢")  # RE2's \d is ASCII only, like Go's
    assert parse_matcher(r'x=~"\\pL+"').matches("héllo")
    assert parse_matcher('x=~".*"').matches("")
    assert not parse_matcher('x=~".+"').matches("")
    assert parse_matcher('x!~"a.*"').matches("b")
    assert not parse_matcher('x!~"a.*"').matches("abc")


def test_matchers_equality_semantics() -> None:
    assert parse_matcher("a=b").matches("b")
    assert not parse_matcher("a=b").matches("c")
    assert parse_matcher("a!=b").matches("")
    assert parse_matcher('a=""').matches("")


def test_matchers_matches_all_uses_empty_for_missing_labels() -> None:
    ms = parse_matchers('{severity=~"critical|page", team!="", env!="dev"}')
    assert matches_all(ms, {"severity": "page", "team": "db"})
    assert not matches_all(ms, {"severity": "page"})
    assert not matches_all(ms, {"severity": "page", "team": "db", "env": "dev"})
    assert matches_all([], {})
    assert matches_all(parse_matchers('absent=""'), {"other": "x"})


def test_matchers_string_form_matches_alertmanager() -> None:
    assert str(Matcher("foo", EQ, "bar")) == 'foo="bar"'
    assert str(Matcher("foo", NE, 'a"b\\c\nd')) == 'foo!="a\\"b\\\\c\\nd"'
    assert format_matchers([Matcher("a", EQ, "1"), Matcher("b", RE, "2.*")]) == '{a="1",b=~"2.*"}'


def test_matchers_flags_and_sorting() -> None:
    assert Matcher.from_flags("a", "b", is_regex=True, is_equal=False).type is NRE
    assert Matcher.from_flags("a", "b", is_regex=False).type is EQ
    m = Matcher("a", NE, "b")
    assert not m.is_regex and not m.is_equal
    ms = [Matcher("b", EQ, "1"), Matcher("a", RE, "2"), Matcher("a", EQ, "2"), Matcher("a", EQ, "1")]
    assert sorted(ms, key=Matcher.sort_key) == [ms[3], ms[2], ms[1], ms[0]]


def test_matchers_are_hashable_values() -> None:
    assert len({Matcher("a", EQ, "b"), parse_matcher('a="b"')}) == 1


_names = st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,12}", fullmatch=True)
_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)


@settings(max_examples=300, deadline=None)
@given(name=_names, kind=st.sampled_from([EQ, NE]), value=_values)
def test_matchers_round_trip_through_string(name: str, kind: MatchType, value: str) -> None:
    m = Matcher(name, kind, value)
    assert parse_matcher(str(m)) == m
    assert parse_matchers(format_matchers([m, m])) == [m, m]


@settings(max_examples=200, deadline=None)
@given(name=_names, kind=st.sampled_from([RE, NRE]), value=_values)
def test_matchers_regex_round_trip(name: str, kind: MatchType, value: str) -> None:
    try:
        m = Matcher(name, kind, value)
    except MatcherError:
        return
    assert parse_matcher(str(m)) == m


@settings(max_examples=400, deadline=None)
@given(text=st.text(max_size=40))
def test_matchers_parser_fails_only_with_matcher_error(text: str) -> None:
    try:
        result = parse_matchers(text)
    except MatcherError:
        return
    for m in result:
        m.matches(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet='ab=!~",{}\\ \n.*()[]|', max_size=30))
def test_matchers_parser_fuzz_on_syntax_characters(text: str) -> None:
    with contextlib.suppress(MatcherError):
        parse_matchers(text)


def test_matchers_regex_memo_stays_correct_when_full() -> None:
    m = Matcher("x", RE, "a[0-9]+")
    for i in range(CompiledRegex.MEMO_SIZE * 2 + 5):
        assert m.matches(f"a{i}")
        assert not m.matches(f"b{i}")
    assert m.matches("a1") and not m.matches("a")


def test_matchers_copy_and_pickle_keep_working() -> None:
    m = parse_matcher('job!~"api|web"')
    for clone in (copy.deepcopy(m), copy.copy(m), pickle.loads(pickle.dumps(m))):
        assert clone == m
        assert clone.matches("db") and not clone.matches("web")


def test_matchers_values_with_unusual_text() -> None:
    m = parse_matcher('x=~".+"')
    assert m.matches("ü∆😀")
    assert not m.matches("\ud800")  # a lone surrogate cannot be UTF-8; never matches
    assert parse_matcher('x="\\\\n"').value == "\\n"
