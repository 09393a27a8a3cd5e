"""The compiled matcher on real articles: the spec's seed table, fields, evidence, explain."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from unittest.mock import patch

import pytest

from monitor.article import Article, RawItem, normalise
from monitor.match import index as match_index
from monitor.match.doc import Doc
from monitor.match.engine import LocationsUnavailable, Matcher
from monitor.match.types import Match
from monitor.settings.rules import RuleConfig
from monitor.text import strip_teasers, tokenize

SEED = Path(__file__).resolve().parents[1] / "seeds" / "izium-2022-09.txt"  # shipped in the project
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def article(title: str = "", body: str = "", **kw: object) -> Article:
    return normalise(RawItem(source=str(kw.pop("source", "test")), key="k", title=title, body=body,
                             **kw), NOW)  # type: ignore[arg-type]


def rules(*queries: str) -> list[RuleConfig]:
    return [RuleConfig(name=f"r{i}", query=q) for i, q in enumerate(queries)]


def matched(queries: list[str] | tuple[str, ...], art: Article) -> list[str]:
    m = Matcher.compile(rules(*queries))
    found = [queries[int(x.rule[1:])] for x in m.match(art)]
    assert [queries[i] for i in m.matching_ids(art)] == found  # evidence-free path agrees
    return found


@pytest.fixture(scope="module")
def seed() -> Article:
    if not SEED.is_file():
        pytest.skip(f"seed article not found at {SEED}")
    lines = SEED.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip())
    return normalise(RawItem(source="seeds", key="izium", title=lines[first],
                             body="\n".join(lines[first + 1 :])), NOW)


SEED_TABLE = [
    ("Izium", True),
    ('"Kharkiv region" AND liberated', True),
    ("Zelenskyy NEAR/8 Telegram", True),
    ("Ukraine -Ukraine", False),
    ('"Imran Khan"', False),
    ('title:Izium AND body:"Bohun Brigade"', True),
    ("counteroffensive", False),
    ("offens*", True),
]


@pytest.mark.parametrize(("query", "expected"), SEED_TABLE)
def test_spec_examples_against_seed(seed: Article, query: str, expected: bool) -> None:
    assert bool(matched([query], seed)) is expected


def test_spec_examples_compiled_together(seed: Article) -> None:
    queries = [q for q, _ in SEED_TABLE]
    assert matched(queries, seed) == [q for q, ok in SEED_TABLE if ok]


def test_teaser_line_text_is_not_matched_but_offsets_hold(seed: Article) -> None:
    m = Matcher.compile(rules("Pakistani", "Aiden Aslin", "Dnipro"))
    found = m.match(seed)
    assert [x.rule for x in found] == ["r2"]
    ev = found[0].evidence[0]
    assert seed.field_text(ev.field)[ev.start : ev.end] == ev.text == "Dnipro"


def test_evidence_offsets_point_into_field_text(seed: Article) -> None:
    m = Matcher.compile(rules('"Kharkiv region" AND liberat*', "Zelenskyy NEAR/8 Telegram", "izium"))
    for match in m.match(seed):
        for ev in match.evidence:
            assert seed.field_text(ev.field)[ev.start : ev.end] == ev.text
    kinds = {e.kind for x in m.match(seed) for e in x.evidence}
    assert kinds == {"phrase", "prefix", "near", "term"}


def test_near_evidence_spans_both_operands(seed: Article) -> None:
    (match,) = Matcher.compile(rules("Telegram NEAR/8 Zelenskyy")).match(seed)
    (ev,) = match.evidence
    assert ev.kind == "near" and ev.text == "Zelenskyy said on Telegram"
    assert ev.detail == {"distance": 3}


def test_near_distance_is_inclusive_and_either_order() -> None:
    art = article(body="alpha one two three beta")
    assert matched(["alpha NEAR/4 beta"], art)
    assert matched(["beta NEAR/4 alpha"], art)
    assert not matched(["alpha NEAR/3 beta"], art)


def test_near_uses_phrase_start_positions() -> None:
    art = article(body="big red dog x y cat")
    assert matched(['"red dog" NEAR/4 cat'], art)  # starts 1 and 5
    assert not matched(['"red dog" NEAR/3 cat'], art)


def test_match_never_spans_two_fields() -> None:
    art = article(title="Kharkiv", body="region liberated")
    assert not matched(['"Kharkiv region"'], art)
    assert not matched(["Kharkiv NEAR/3 region"], art)
    assert matched(["Kharkiv AND region"], art)


def test_fields_are_kept_apart() -> None:
    art = article(title="Storm warning", body="Rain today", author="Jane Doe", tags=("Weather", "UK"),
                  url="https://news.example.com/a/b", source="wire")
    assert matched(["title:storm"], art)
    assert not matched(["body:storm"], art)
    assert matched(["author:doe"], art)
    assert not matched(["doe"], art)  # author is not a default field
    assert matched(["tags:weather"], art)
    assert matched(["source:wire"], art)
    assert matched(['url:"news example"'], art)
    assert matched(["summary:rain OR title:(rain OR storm)"], art)


def test_site_matches_host_and_subdomains_only() -> None:
    art = article(title="x", url="https://News.Example.com:8080/path?q=1")
    assert matched(["site:example.com"], art)
    assert matched(["site:news.example.com"], art)
    assert not matched(["site:ample.com"], art)
    assert not matched(["site:example.com.evil"], art)
    assert not matched(["site:example.com"], article(title="x", url="https://example.com.evil.net/"))
    assert not matched(["site:example.com"], article(title="x", url="not a url"))


def test_site_only_rule_and_evidence() -> None:
    art = article(title="x", url="https://www.bbc.co.uk/news/1")
    (match,) = Matcher.compile(rules("site:bbc.co.uk")).match(art)
    assert match.evidence[0].kind == "site"
    assert match.evidence[0].text == "www.bbc.co.uk"


def test_prefix_matches_any_field_token() -> None:
    art = article(title="Counter-offensive", body="nothing")
    assert matched(["offens*"], art)
    assert matched(["counter*"], art)
    assert not matched(["offensives*"], art)


def test_not_excludes_across_default_fields() -> None:
    art = article(title="football", body="sport results")
    assert not matched(["football -sport"], art)
    assert matched(["football -tennis"], art)
    assert matched(["football -body:tennis -title:sport"], art)


def test_case_and_diacritics_folded() -> None:
    art = article(body="Zaporizhzhia and Kyïv; CAFÉ Straße")
    assert matched(["kyiv", "cafe", "strasse", "ZAPORIZHZHIA"], art) == ["kyiv", "cafe", "strasse",
                                                                         "ZAPORIZHZHIA"]


def test_non_ascii_evidence_offsets() -> None:
    art = article(body="Le café « Kyïv » – ﬁne…done")
    found = Matcher.compile(rules("kyiv", "fine", "done", "cafe")).match(art)
    assert [e.text for m in found for e in m.evidence] == ["Kyïv", "ﬁne", "done", "café"]


def test_results_in_rule_order_with_all_rule_kinds() -> None:
    art = article(title="Izium liberated", body="Ukraine war news", url="https://a.example.org/")
    queries = ["war", "site:example.org", "izium OR kharkiv", '"war news" NEAR/2 ukraine', "nothing"]
    assert matched(queries, art) == queries[:4]


def test_or_rule_evidence_lists_each_present_word() -> None:
    art = article(title="Paris and Rome", body="Berlin")
    (match,) = Matcher.compile(rules("Rome OR Madrid OR Berlin OR Paris")).match(art)
    assert sorted(e.text for e in match.evidence) == ["Berlin", "Paris", "Rome"]


def test_not_branch_gives_no_evidence() -> None:
    art = article(body="apple banana")
    (match,) = Matcher.compile(rules("apple -cherry")).match(art)
    assert [e.text for e in match.evidence] == ["apple"]


def test_explain_says_why(seed: Article) -> None:
    m = Matcher.compile(rules("Ukraine -Ukraine", '"Imran Khan"', "Izium", "Zelenskyy NEAR/1 Telegram"))
    by_rule = {e["rule"]: e for e in m.explain(seed)}
    assert by_rule["r0"]["matched"] is False
    assert "excluded by NOT" in by_rule["r0"]["reason"]
    assert by_rule["r1"] == {**by_rule["r1"], "matched": False, "candidate": False,
                             "absent": ['"imran khan"'], "present": []}
    assert by_rule["r2"]["matched"] is True and by_rule["r2"]["evidence"]
    assert "not within 1" in by_rule["r3"]["reason"]


def test_empty_article_and_no_rules() -> None:
    assert Matcher.compile([]).match(article()) == []
    assert Matcher.compile(rules("a")).match(article()) == []


def test_location_rules_without_location_matcher_fail_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_places(name: str, *args: object, **kwargs: object) -> object:
        if name == "monitor.match.places":
            raise ImportError("No module named 'monitor.match.places'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_places)
    rule = RuleConfig.model_validate({"name": "near-kyiv", "locations": {"places": ["Kyiv"]}})
    with pytest.raises(LocationsUnavailable) as caught:
        Matcher.compile([*rules("a"), rule])
    assert caught.value.path == "rules[1].locations"
    assert "near-kyiv" in caught.value.message


def test_query_and_location_rules_combine() -> None:
    import tempfile

    pytest.importorskip("monitor.match.places")
    cache = Path(tempfile.gettempdir()) / "newsmon-test-gazetteer"  # shared with test_locations
    both = RuleConfig.model_validate({"name": "both", "query": "shelling",
                                      "locations": {"places": ["Kharkiv"]}})
    only_place = RuleConfig.model_validate({"name": "place", "locations": {"places": ["Kharkiv"]}})
    only_query = RuleConfig(name="query", query="shelling")
    m = Matcher.compile([both, only_place, only_query], cache_dir=cache)
    hit = article(body="Shelling hit Kharkiv on Monday, officials said.")
    found = {x.rule: x for x in m.match(hit)}
    assert list(found) == ["both", "place", "query"]
    assert {e.kind for e in found["both"].evidence} == {"term", "place"}
    miss_place = article(body="Shelling hit the outskirts on Monday.")
    assert [x.rule for x in m.match(miss_place)] == ["query"]
    miss_query = article(body="Rain in Kharkiv on Monday.")
    assert [x.rule for x in m.match(miss_query)] == ["place"]
    for art in (hit, miss_place, miss_query):  # membership only: the same rules
        assert [x.rule for x in m.match(art, evidence=False)] == [x.rule for x in m.match(art)]
    explained = {e["rule"]: e for e in m.explain(miss_place)}
    assert explained["both"]["matched"] is False and explained["both"]["locations"] is False


@pytest.mark.parametrize("body", [
    "Kyïv said: the mayor of Kyiv met the MAYOR; café Straße ﬁne.\nAlso read: Kyiv",
    "plain ascii body, with a word, and a Word again: cat a ca at",
    "aaa aa a " * 40 + "a",
    "",
])
def test_word_evidence_is_the_first_token(body: str) -> None:
    """Word evidence (found by str.find on ASCII, by offset tables otherwise) is each
    field's first token equal to the word, as `tokenize` sees it."""
    art = article(title="Mayor of Kyiv", summary="the café", body=body)
    doc = Doc(art, ("title", "summary", "body"))
    for word in sorted(doc.default):
        want = []
        for field in ("title", "summary", "body"):
            text = strip_teasers(art.field_text(field)) if field == "body" else art.field_text(field)
            tok = next((t for t in tokenize(text) if t.text == word), None)
            if tok is not None:
                want.append((field, tok.start, tok.end, art.field_text(field)[tok.start : tok.end]))
        got = [(e.field, e.start, e.end, e.text) for e in doc.word_evidence(word)]
        assert got == want, word


@pytest.mark.parametrize("repeat", [3, 900])  # scanned per word / one position table (long field)
def test_positions_short_and_long_fields(repeat: int) -> None:
    body = "the red fox and the red hen met the fox " * repeat
    doc = Doc(article(body=body), ("body",))
    toks = doc.words["body"]
    for word in ("the", "red", "fox", "hen", "absent"):
        assert doc.positions("body", word) == [i for i, t in enumerate(toks) if t == word]
    assert doc.phrase_starts("body", ("the", "red", "hen")) == [
        i for i in range(len(toks)) if toks[i : i + 3] == ["the", "red", "hen"]]


@pytest.mark.parametrize("order", ["forward", "backward"])
def test_lazy_evidence_equals_the_batch(order: str) -> None:
    """`match` builds each match's evidence when read (one by one, then in a batch
    after the first few): whatever the order, the same evidence as `raw_matches`,
    which builds it all at once."""
    body = ("Shelling hit Kharkiv and Izium on Monday; the mayor of Kharkiv said "
            "the counter-offensive near Kupiansk continued. Offensives resumed.")
    queries = [f"{w} OR Izium" for w in ("Kharkiv", "mayor", "Monday", "said", "near")] * 8 + [
        "Kharkiv", '"the mayor"', "offens*", "shelling AND NOT rain", "Izium NEAR/3 Kharkiv",
        "title:kharkiv OR body:kupiansk"]
    m = Matcher.compile(rules(*queries))
    art = article(title="Kharkiv under fire", body=body)
    want = {m.names[i]: ev for i, ev in m.raw_matches(art)}
    found = m.match(art)
    assert len(found) == len(queries) == len(want)
    for x in (found if order == "forward" else reversed(found)):
        assert x.evidence == want[x.rule], x.rule
        assert x.evidence  # every rule here has a positive term present
    assert found == [Match(x.rule, want[x.rule]) for x in found]  # equality by (rule, evidence)


def test_words_only_under_not_phrase_or_near_are_still_seen() -> None:
    # The matcher keeps only the words its rules ask about; a word that appears
    # nowhere but under a NOT, in a phrase or in a NEAR must still count.
    queries = ("flood AND NOT drill", 'levee AND "river bank"', "storm AND (surge NEAR/3 coast)",
               "levee AND NOT (exercise OR rehearsal)")
    art = article("Flood drill", "The river bank held; a storm surge hit the coast. Levee exercise.")
    assert matched(queries, art) == ['levee AND "river bank"', "storm AND (surge NEAR/3 coast)"]
    apart = article("Flood", "Levee, a bank by the river, storm; a surge, but the sea was far from any coast")
    assert matched(queries, apart) == ["flood AND NOT drill", "levee AND NOT (exercise OR rehearsal)"]


def test_a_large_index_gives_each_rule_once_in_rule_order() -> None:
    # Past a few thousand exact-rule ids the index gathers them as bitmaps; a rule
    # whose words are all present must still match once, in rule order.
    names = [f"w{k}" for k in range(3_000)]
    queries = ["kyiv OR kharkiv OR izium", *(f"{w} OR {w}x" for w in names), "izium*", "kharkiv"]
    with patch.object(match_index, "_BITMAP_IDS", 4_000):
        m = Matcher.compile(rules(*queries))
    assert m._index._bitmaps is not None  # the bitmap path is the one under test
    art = article("Kyiv and Kharkiv", "Izium, w7 and w7x, w2999; Kharkiv again.")
    assert [x.rule for x in m.match(art)] == ["r0", "r8", "r3000", "r3001", "r3002"]
    assert m.matching_ids(art) == [0, 8, 3000, 3001, 3002]


def test_matching_leaves_no_cyclic_garbage(seed: Article) -> None:
    # `newsmon match` turns the cyclic collector off while it matches (refcounting
    # frees each article's objects); that holds only while matching makes no cycles.
    import gc

    m = Matcher.compile(rules(*(q for q, _ in SEED_TABLE), "kharkiv OR izium OR kyiv", "liberat*"))
    raw = RawItem(source="s", key="k", title=seed.title, body=seed.body)
    gc.collect()
    gc.disable()
    try:
        for _ in range(3):
            art = normalise(raw, NOW)
            assert m.matching_ids(art)
            assert all(ev for _, ev in m.raw_matches(art))
            assert all(x.evidence for x in m.match(art))
        assert gc.collect() == 0
    finally:
        gc.enable()
