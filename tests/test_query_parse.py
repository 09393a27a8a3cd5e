"""QUERY.md syntax table and error list, row by row (parser level)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.match.query import QueryError, parse_query
from monitor.match.tree import DEFAULT_FIELDS, And, Near, Not, Or, Phrase, Prefix, Site, Word, describe
from monitor.settings import ConfigError, load_config
from monitor.validate import load_checked


def root(text: str):
    return parse_query(text).root


# -- syntax table ------------------------------------------------------------------


def test_word() -> None:
    assert root("Izium") == Word("izium", DEFAULT_FIELDS)


def test_word_is_normalised_like_article_text() -> None:
    assert root("Kyïv") == Word("kyiv")
    assert root("CAFÉ") == Word("cafe")
    assert root("Novartis'") == Word("novartis")


def test_wildcard_word() -> None:
    assert root("offens*") == Prefix("offens")
    assert root("Of*") == Prefix("of")


def test_quoted_phrase() -> None:
    assert root('"Kharkiv region"') == Phrase(("kharkiv", "region"))


def test_one_word_phrase_is_a_word() -> None:
    assert root('"Izium"') == Word("izium")


def test_bare_hyphenated_word_is_a_phrase() -> None:
    assert root("counter-offensive") == Phrase(("counter", "offensive"))
    assert root("$7.4bn") == Phrase(("7", "4bn"))


def test_implicit_and() -> None:
    assert root("a b") == And((Word("a"), Word("b")))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("a AND b", And((Word("a"), Word("b")))),
        ("a OR b", Or((Word("a"), Word("b")))),
        ("a NOT b", And((Word("a"), Not(Word("b"))))),
        ("a -b", And((Word("a"), Not(Word("b"))))),
        ("+a -b", And((Word("a"), Not(Word("b"))))),
        ("a AND NOT b", And((Word("a"), Not(Word("b"))))),
    ],
)
def test_boolean_operators(query: str, expected: object) -> None:
    assert root(query) == expected


def test_lowercase_operators_are_plain_words() -> None:
    assert root("war and peace") == And((Word("war"), Word("and"), Word("peace")))
    assert root("a or b") == And((Word("a"), Word("or"), Word("b")))
    assert root("a not b") == And((Word("a"), Word("not"), Word("b")))
    assert root("a near/5 b") == And((Word("a"), Phrase(("near", "5")), Word("b")))


def test_grouping() -> None:
    assert root("(a OR b) c") == And((Or((Word("a"), Word("b"))), Word("c")))


def test_near() -> None:
    assert root("Zelenskyy NEAR/8 Telegram") == Near(Word("zelenskyy"), Word("telegram"), 8, DEFAULT_FIELDS)


def test_near_operands_word_wildcard_phrase() -> None:
    node = root('"Kharkiv region" NEAR/3 liberat*')
    assert node == Near(Phrase(("kharkiv", "region")), Prefix("liberat"), 3, DEFAULT_FIELDS)


def test_near_with_field_operand_uses_shared_field() -> None:
    node = root("title:izium NEAR/2 war")
    assert isinstance(node, Near)
    assert node.fields == ("title",)


@pytest.mark.parametrize("field", ["title", "summary", "body", "author", "tags", "source", "url"])
def test_every_field(field: str) -> None:
    assert root(f"{field}:izium") == Word("izium", (field,))


def test_field_phrase_and_group() -> None:
    assert root('title:"a phrase"') == Phrase(("a", "phrase"), ("title",))
    assert root("title:(a OR b)") == Or((Word("a", ("title",)), Word("b", ("title",))))
    assert root("title:(a -b)") == And((Word("a", ("title",)), Not(Word("b", ("title",)))))


def test_field_value_is_never_an_operator() -> None:
    assert root("title:AND") == Word("and", ("title",))


def test_site() -> None:
    assert root("site:Example.com") == Site("example.com")
    assert root("site:bbc.co.uk war") == And((Site("bbc.co.uk"), Word("war")))


def test_precedence_or_loosest() -> None:
    assert root("a OR b c") == Or((Word("a"), And((Word("b"), Word("c")))))


def test_precedence_not_tighter_than_near_and_field_tighter_than_not() -> None:
    assert root("-title:a b") == And((Not(Word("a", ("title",))), Word("b")))
    assert root("a NEAR/2 b c") == And((Near(Word("a"), Word("b"), 2, DEFAULT_FIELDS), Word("c")))
    assert root("a NEAR/2 b OR c") == Or((Near(Word("a"), Word("b"), 2, DEFAULT_FIELDS), Word("c")))


def test_describe_round_trips_the_meaning() -> None:
    for query in ["a OR b c", 'title:"x y" NEAR/3 zz*', "a -(b OR c) site:x.org", "tags:(sport)"]:
        node = root(query)
        assert root(describe(node)) == node


# -- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "column", "message"),
    [
        ("", 1, "empty query"),
        ("   ", 1, "empty query"),
        ('Izium AND "Kharkiv region', 11, "unclosed quote"),
        ('"', 1, "unclosed quote"),
        ("-sport", 1, "only negative"),
        ("NOT a", 1, "only negative"),
        ("NOT a AND -b", 1, "only negative"),
        ("a OR -b", 1, "only negative"),
        ("titel:izium", 1, 'unknown field "titel"'),
        ("war Title:x", 5, 'unknown field "Title"'),
        ("a NEAR b", 3, "NEAR needs a distance"),
        ("a NEAR/ b", 3, "NEAR needs a distance"),
        ("a NEAR/0 b", 3, "NEAR needs a distance"),
        ("a NEAR/-2 b", 3, "NEAR needs a distance"),
        ("a NEAR/x b", 3, "NEAR needs a distance"),
        ("a NEAR/2.5 b", 3, "NEAR needs a distance"),
        ("a NEAR/3 (b OR c)", 3, "NEAR operands"),
        ("(a AND b) NEAR/3 c", 11, "NEAR operands"),
        ("NOT a NEAR/3 b", 7, "NEAR operands"),
        ("a NEAR/3 site:x.com", 3, "NEAR operands"),
        ("a NEAR/3", 9, "expected a term after NEAR/3"),
        ("title:a NEAR/2 body:b", 9, "can never meet"),
        ("of*ens", 3, "`*` is only allowed at the end"),
        ("o*", 2, "at least 2 characters"),
        ("*", 1, "at least 2 characters"),
        ("é*", 2, "at least 2 characters"),
        ("counter-off*", 1, "one word"),
        ('"a b"*', 6, "must end a word"),
        ('"ab*"', 4, "inside quotes"),
        ("a OR", 5, "expected a term after OR"),
        ("OR a", 1, "expected a term before OR"),
        ("a AND AND b", 7, "expected a term after AND"),
        ("(a", 1, "missing `)`"),
        ("a)", 2, "unexpected `)`"),
        ("()", 1, "empty parentheses"),
        ("a - b", 3, "expected a term right after `-`"),
        ("NOT", 4, "expected a term after NOT"),
        ("title: x", 1, "right after `title:`"),
        ("title:-x", 7, "right after the field prefix"),
        ("title:(body:x)", 8, "`body:` inside `title:"),
        ("title:url:x", 7, "cannot follow another field prefix"),
        ("title:(site:x.com)", 8, "`site:` inside"),
        ("site:", 1, "host name"),
        ("site:http://x.com", 1, "host name"),
        ("!!!", 1, "no letters or digits"),
        ('""', 1, "empty phrase"),
    ],
)
def test_errors_have_column_and_message(query: str, column: int, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    assert caught.value.column == column
    assert message in caught.value.message
    assert str(caught.value).startswith(f"column {column}: ")


def test_error_str_format() -> None:
    assert str(QueryError(18, "unclosed quote")) == "column 18: unclosed quote"


def test_config_loading_names_rule_and_column(tmp_path: Path) -> None:
    config = tmp_path / "rules.toml"
    config.write_text('[[rules]]\nname = "izium"\nquery = \'Izium AND "Kharkiv region\'\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_checked(config)
    line = str(caught.value)
    assert line == f'{config}: rules[0].query: rule "izium": query column 11: unclosed quote'


def test_config_with_only_rules_loads(tmp_path: Path) -> None:
    config = tmp_path / "rules.toml"
    config.write_text('[[rules]]\nname = "r"\nquery = "title:(a OR b) -c"\n', encoding="utf-8")
    assert load_config(config).rules[0].query == "title:(a OR b) -c"


@pytest.mark.parametrize(
    "query", ["Izium", "izium OR Kharkiv OR Kyiv", "A1 OR b2", "x", "Zelenskyy OR 2022 OR UN"]
)
def test_fast_path_builds_the_same_tree(query: str) -> None:
    from monitor.match.query import parse_general

    assert parse_query(query) == parse_general(query)


@pytest.mark.parametrize("query", ["a OR AND", "NOT OR a", "OR", "a OR", "a  OR b", "NEAR OR x"])
def test_fast_path_leaves_odd_shapes_to_the_parser(query: str) -> None:
    from monitor.match.query import parse_general

    try:
        expected = parse_general(query)
    except QueryError as exc:
        with pytest.raises(QueryError) as caught:
            parse_query(query)
        assert (caught.value.column, caught.value.message) == (exc.column, exc.message)
    else:
        assert parse_query(query) == expected


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(QueryError) as caught:
        parse_query("(" * 5000 + "a" + ")" * 5000)
    assert "nested more than" in caught.value.message
    with pytest.raises(QueryError):
        parse_query("a " + "NOT " * 5000 + "b")
    assert parse_query("(" * 50 + "a" + ")" * 50).root == Word("a")


def test_many_groups_side_by_side_are_fine() -> None:
    query = " ".join(f"(w{i} OR -x{i})" for i in range(300))
    with pytest.raises(QueryError, match="only negative"):
        parse_query(query + " OR -z")
    node = parse_query(" ".join(f"(w{i} OR v{i})" for i in range(300))).root
    assert isinstance(node, And) and len(node.items) == 300
