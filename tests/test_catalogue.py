"""The text catalogue: everything the code can say has words in both languages.

The lists are taken from the code (the measure list, the rule table, the enums of finding
kinds, advice, timeline steps and waits), so a new measure, rule or kind without words
fails here; templates are checked for the fields they use, not for their prose.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from frictionminer.engine.causes import Advice, FindingKind, find_causes, log_level_rules
from frictionminer.engine.measures import MEASURES
from frictionminer.engine.pipeline import analyze
from frictionminer.engine.result import Result
from frictionminer.engine.rules import REMEDIES, RULES
from frictionminer.io import load
from frictionminer.reporting import catalogue as C
from frictionminer.reporting.explain import (
    Meaning,
    StepKind,
    Wait,
    WaitingOn,
    build_story,
)
from frictionminer.reporting.html import PAGE_FINDING_FIELDS, page_record
from frictionminer.settings.load import load_settings

SAMPLES = Path(__file__).resolve().parents[1] / "sample_logs"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _complete(words: C.Words) -> None:
    for lang in C.LANGS:
        assert words[lang].strip(), (words, lang)
    assert _fields(words.en) == _fields(words.de), words


@pytest.mark.parametrize("measure", [*MEASURES, "friction_score"])
def test_every_measure_has_a_label(measure: str) -> None:
    _complete(C.MEASURE_LABELS[measure])


@pytest.mark.parametrize("rule_id", list(RULES))
def test_every_rule_has_a_label(rule_id: str) -> None:
    _complete(C.RULE_LABELS[rule_id])
    assert C.rule_name(rule_id)


@pytest.mark.parametrize("rule_id", list(log_level_rules()))
def test_every_log_level_rule_has_advice(rule_id: str) -> None:
    _complete(C.RULE_ADVICE[rule_id])


@pytest.mark.parametrize("kind", list(FindingKind))
def test_every_finding_kind_has_a_title_and_a_page_layout(kind: FindingKind) -> None:
    _complete(C.FINDING_TITLES[kind])
    assert PAGE_FINDING_FIELDS[kind]


@pytest.mark.parametrize("advice", list(Advice))
def test_every_advice_has_a_suggestion(advice: Advice) -> None:
    _complete(C.ADVICE[advice])


@pytest.mark.parametrize("kind", list(StepKind))
def test_every_step_kind_has_words(kind: StepKind) -> None:
    _complete(C.STEPS[kind])


@pytest.mark.parametrize("on", list(WaitingOn))
def test_every_wait_has_words(on: WaitingOn) -> None:
    _complete(C.WAITS[on])
    _complete(C.DAY_UNIT[on])


def test_page_and_remedies_in_both_languages() -> None:
    for remedy in REMEDIES:
        _complete(C.PAGE[f"remedy_{remedy}"])
    for table in (C.PAGE, C.EXPLAIN, C.MARKDOWN):
        for words in table.values():
            _complete(words)


@pytest.fixture(scope="module", params=["shoelace", "sim_warranty"])
def result(request: pytest.FixtureRequest) -> Result:
    config = "stories.toml" if request.param == "shoelace" else f"{request.param}.toml"
    settings = load_settings(SAMPLES / config)
    return analyze(load(str(SAMPLES / f"{request.param}.csv"), settings), settings)


def test_every_finding_renders_in_both_languages(result: Result) -> None:
    causes = find_causes(result)
    for f in causes.findings:
        values = C.finding_values(f, "en")
        assert _fields(C.FINDING_TITLES[f.kind].en) <= values.keys()
        assert _fields(C.ADVICE[f.advice].en) <= values.keys()
        en, de = C.finding_text(f, "en"), C.finding_text(f, "de")
        assert all(en) and all(de) and en != de
        record = page_record(f)
        assert list(record["numbers"]) == list(PAGE_FINDING_FIELDS[f.kind])
        assert (record["title"], record["suggestion"]) == en


def test_story_is_structured(result: Result) -> None:
    case = str(result.cases["case_id"][0])
    story = build_story(result, case)
    assert story.steps
    for step in story.steps:
        assert step.meanings and all(isinstance(m, Meaning) for m in step.meanings)
        assert all(isinstance(m.kind, StepKind) for m in step.meanings)
        if step.wait is not None:
            assert isinstance(step.wait, Wait) and isinstance(step.wait.on, WaitingOn)
            assert step.wait.hours >= 1.0
        assert step.is_task == any(
            m.kind in (StepKind.CUSTOMER_TASK, StepKind.REPEAT_TASK) for m in step.meanings
        )
    handoffs = [m for s in story.steps for m in s.meanings if m.kind is StepKind.HANDOFF]
    assert all(m.team is not None and (m.ordinal or 0) >= 1 for m in handoffs)
    # the JSON record renders the same structure in English, one text per meaning
    record = story.as_record()
    assert [len(s["meaning"]) for s in record["timeline"]] == [len(s.meanings) for s in story.steps]
    assert [s["wait_after"] is None for s in record["timeline"]] == [
        s.wait is None for s in story.steps
    ]


def test_ordinals_and_durations() -> None:
    assert [C.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 111)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "111th",
    ]
    assert C.ordinal(3, "de") == "3."
    assert C.shorten_path(" → ".join("abcdefgh"), 6).split(" → ")[-1] == "h"
    assert C.shorten_path("a → b", 6) == "a → b"
    assert (C.number(1234.5, "de", 1), C.percent(0.125, "de")) == ("1.234,5", "12,5 %")


def test_a_suggestion_uses_the_exact_share_and_a_record_the_reported_one() -> None:
    """No double rounding: 0.89498 is "89%" in the words, 0.895 in the numbers (BPIC 2012's
    'W_Nabellen incomplete dossiers' sits on that edge)."""
    from frictionminer.engine.causes import Finding

    f = Finding(
        id="task:Ask",
        kind=FindingKind.TASK_ACTIVITY,
        advice=Advice.ASK_ONCE,
        remedy="automation",
        impact=1.0,
        impact_share=0.5,
        numbers={
            "task_events": 9,
            "task_cases": 4,
            "task_case_share": 0.5,
            "piecemeal_share": 0.89498,
        },
        ids={"activity": "Ask"},
        teams=["Desk"],
    )
    title, suggestion = C.finding_text(f, "en")
    assert "in 89% of the cases" in suggestion and "(50% of all cases)" in title
    assert f.as_record()["numbers"]["piecemeal_share"] == 0.895


def test_a_numeric_category_stays_a_number_in_the_record() -> None:
    from frictionminer.engine.causes import Finding

    f = Finding(
        "category:2",
        FindingKind.CATEGORY,
        Advice.FIND_OUT,
        "redesign",
        1.0,
        0.1,
        {},
        {"category": 2},
    )
    assert f.as_record()["ids"]["category"] == 2
