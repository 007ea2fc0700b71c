"""XES ingest: real-log counts, reader agreement, hostile and malformed files, round trips."""

from __future__ import annotations

import gzip
import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from conftest import ROAD_TRAFFIC_FINES, SHARED_LOGS, ParsedLogs
from frictionminer.errors import InputError
from frictionminer.io.base import RawLog
from frictionminer.io.xes import read_xes
from frictionminer.io.xes_write import write_xes

LOGS = SHARED_LOGS
MALFORMED = LOGS / "pm4py-tests" / "xes_importer_tests"
DATA = Path(__file__).parent / "data" / "xes"

needs_logs = pytest.mark.skipif(not LOGS.is_dir(), reason="shared logs not available")

# (file, cases, events) exactly as ../shared/logs/README.md section 1 gives them.
MAIN_LOGS = [
    ("bpic2012/BPI_Challenge_2012.xes.gz", 13_087, 262_200),
    ("bpic2013/BPI_Challenge_2013_incidents.xes.gz", 7_554, 65_533),
    ("bpic2013/BPI_Challenge_2013_closed_problems.xes.gz", 1_487, 6_660),
    ("bpic2013/BPI_Challenge_2013_open_problems.xes.gz", 819, 2_351),
    ("bpic2015/BPIC15_1.xes.gz", 1_199, 52_217),
    ("bpic2017/BPI_Challenge_2017_W_Two_TS_filtered.xes.gz", 8_941, 127_528),
    ("bpic2020/DomesticDeclarations_cleaned.xes.gz", 10_357, 55_628),
    ("bpic2020/InternationalDeclarations_cleaned.xes.gz", 6_323, 70_727),
    ("bpic2020/PermitLog_cleaned.xes.gz", 6_426, 81_092),
    ("bpic2020/PrepaidTravelCost_cleaned.xes.gz", 2_007, 17_507),
    ("bpic2020/RequestForPayment_cleaned.xes.gz", 6_760, 36_072),
    ("helpdesk/helpdesk.xes.gz", 4_580, 21_348),
    (ROAD_TRAFFIC_FINES, 150_370, 561_470),
    ("receipt_wabo/receipt.xes.gz", 1_434, 8_577),
    ("sepsis/Sepsis_Cases-Event_Log.xes.gz", 1_050, 15_214),
    ("other/ConsultaDataMining201618.xes.gz", 954, 13_740),
]


@needs_logs
@pytest.mark.parametrize(
    ("name", "cases", "events"),
    [
        pytest.param(
            *m,
            id=m[0],
            marks=[pytest.mark.xdist_group("road_traffic_fines")]
            if m[0] == ROAD_TRAFFIC_FINES
            else [],
        )
        for m in MAIN_LOGS
    ],
)
def test_real_log_counts(parsed_logs: ParsedLogs, name: str, cases: int, events: int) -> None:
    raw = parsed_logs.xes(name)  # read_xes(path), parsed once per session
    frame = raw.frame.collect()
    assert raw.format == "xes"
    assert raw.details["reader"] == "rustxes"  # every real log passes the fast-path guards
    assert frame.height == events
    assert frame.get_column("case:concept:name").n_unique() == cases
    assert frame.get_column("case:concept:name").null_count() == 0
    assert frame.schema["time:timestamp"] == pl.Datetime("us", "UTC")


@needs_logs
@pytest.mark.parametrize(
    "name",
    [
        "helpdesk/helpdesk.xes.gz",
        "bpic2013/BPI_Challenge_2013_closed_problems.xes.gz",
        "bpic2013/BPI_Challenge_2013_open_problems.xes.gz",
        "receipt_wabo/receipt.xes.gz",  # globals with 1970 defaults must not be filled in
        "pm4py-tests/input_data/roadtraffic50traces.xes",  # dates without offset
    ],
)
def test_rustxes_and_lxml_agree(name: str) -> None:
    fast = read_xes(LOGS / name, reader="rustxes")
    slow = read_xes(LOGS / name, reader="lxml")
    assert fast.details["reader"] == "rustxes"
    assert slow.details["reader"] == "lxml"
    assert_frame_equal(fast.frame.collect(), slow.frame.collect())
    assert [f.as_record() for f in fast.findings] == [f.as_record() for f in slow.findings]
    assert fast.classifiers == slow.classifiers


@needs_logs
def test_bpic2012_types_order_and_utc() -> None:
    raw = read_xes(LOGS / "bpic2012/BPI_Challenge_2012.xes.gz")
    frame = raw.frame.collect()
    assert raw.classifiers == {
        "Activity classifier": ["concept:name", "lifecycle:transition"],
        "Resource classifier": ["org:resource"],
    }
    assert frame.schema["case:REG_DATE"] == pl.Datetime("us", "UTC")
    first = frame.row(0, named=True)
    # <date key="time:timestamp" value="2011-10-01T00:38:44.546+02:00"/> in the file.
    assert first["time:timestamp"] == datetime(2011, 9, 30, 22, 38, 44, 546000, tzinfo=UTC)
    assert first["concept:name"] == "A_SUBMITTED"
    assert first["case:concept:name"] == "173688"
    # Events of a case are contiguous and in file order (timestamps non-decreasing here).
    assert frame.get_column("org:resource").null_count() == 18_010


# --------------------------------------------------------------------------- safety


@pytest.mark.parametrize("name", ["billion_laughs.xes", "xxe_passwd.xes"])
@pytest.mark.parametrize("reader", ["auto", "lxml", "rustxes"])
def test_dtd_refused(name: str, reader: str) -> None:
    with pytest.raises(InputError) as info:
        read_xes(DATA / name, reader=reader)  # type: ignore[arg-type]
    text = str(info.value)
    assert name in text
    assert "DTD" in text
    assert "root:" not in text  # nothing from /etc/passwd leaks into the message


def test_dtd_refused_inside_gzip(tmp_path: Path) -> None:
    target = tmp_path / "xxe.xes.gz"
    target.write_bytes(gzip.compress((DATA / "xxe_passwd.xes").read_bytes()))
    with pytest.raises(InputError, match="DOCTYPE"):
        read_xes(target)


@needs_logs
def test_yaml_refused() -> None:
    with pytest.raises(InputError, match="not an XML file"):
        read_xes(LOGS / "pm4py-tests/input_data/running-example.xes.yaml")


def test_empty_and_truncated(tmp_path: Path) -> None:
    empty = tmp_path / "empty.xes"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        read_xes(empty)
    with pytest.raises(InputError, match="truncated gzip"):
        read_xes(DATA / "truncated.xes.gz")
    other = tmp_path / "other.xes"
    other.write_text('<?xml version="1.0"?><html><body/></html>')
    with pytest.raises(InputError, match="not <log>"):
        read_xes(other)
    with pytest.raises(InputError, match="no such file"):
        read_xes(tmp_path / "missing.xes")


def test_rustxes_noise_never_reaches_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    # rustxes panics on this file (a self-closing <event/> outside a trace) and prints a
    # Rust backtrace; the user must only see our InputError.
    with pytest.raises(InputError, match=r"line 2: <event> outside a <trace>"):
        read_xes(MALFORMED / "traceEventSwapped.xes", reader="rustxes")
    assert capfd.readouterr().err == ""


# --------------------------------------------------------------------------- content


def test_mixed_offsets_types_and_findings() -> None:
    for reader in ("auto", "lxml"):
        raw = read_xes(DATA / "mixed_offsets.xes", reader=reader)  # type: ignore[arg-type]
        frame = raw.frame.collect()
        expected = pl.DataFrame(
            {
                "case:concept:name": ["c1", "c1", "c1", "c3"],
                "concept:name": ["submit", "check", "close", "submit"],
                "time:timestamp": [
                    datetime(2011, 3, 27, 0, 30, tzinfo=UTC),
                    datetime(2011, 3, 27, 1, 30, tzinfo=UTC),
                    datetime(2011, 3, 27, 2, 0, tzinfo=UTC),
                    datetime(2011, 3, 28, 9, 0, tzinfo=UTC),
                ],
                "flag": [True, False, None, None],
                "n": [3, -4, None, None],
                "x": [2.5, 1000.0, None, None],
                "case:AMOUNT": [5000, 5000, 5000, None],
                "case:REG_DATE": [datetime(2011, 3, 26, 23, 30, tzinfo=UTC)] * 3 + [None],
            },
            schema_overrides={
                "time:timestamp": pl.Datetime("us", "UTC"),
                "case:REG_DATE": pl.Datetime("us", "UTC"),
            },
        )
        assert_frame_equal(frame, expected)
        codes = {f.code: f.count for f in raw.findings}
        # +01:00, +02:00 and Z: three offsets as written (all converted to UTC).
        assert codes == {"empty-traces": 1, "date-without-offset": 1, "mixed-offsets": 3}
        assert raw.classifiers == {"Activity": ["concept:name"]}


def test_gzip_equals_plain() -> None:
    plain = read_xes(DATA / "mixed_offsets.xes").frame.collect()
    packed = read_xes(DATA / "mixed_offsets.xes.gz").frame.collect()
    assert_frame_equal(plain, packed)


def test_nested_attributes_are_ignored_and_reported() -> None:
    raw = read_xes(DATA / "nested.xes")
    frame = raw.frame.collect()
    assert raw.details["reader"] == "lxml"
    assert frame.columns == ["case:concept:name", "concept:name", "time:timestamp"]
    assert frame.row(0) == ("c1", "a", datetime(2020, 1, 1, tzinfo=UTC))
    codes = {f.code: f.count for f in raw.findings}
    assert codes == {
        "nested-attributes-ignored": 2,
        "meta-attributes-ignored": 1,
        "date-only-timestamps": 1,  # its one date is at 00:00:00
    }


def test_bad_event_value_names_key_value_and_line(tmp_path: Path) -> None:
    text = (DATA / "mixed_offsets.xes").read_text().replace('value="-4"', 'value="four"')
    target = tmp_path / "bad.xes"
    target.write_text(text)
    with pytest.raises(InputError, match=r"line 20: <int key='n'> has value 'four'"):
        read_xes(target)


# --------------------------------------------------------------------------- pm4py corpus

MALFORMED_FILES = sorted(MALFORMED.glob("*.xes")) if MALFORMED.is_dir() else []

# Files that must end in InputError, with a fragment of the message.
REFUSED = {
    "noLog.xes": "empty file",
    "attributeEventSwapped.xes": "line 3: <event> outside a <trace>",
    "classifierEventSwapped.xes": "line 6: <event> outside a <trace>",
    "extensionEventSwapped.xes": "line 2: <event> outside a <trace>",
    "globalEventSwapped.xes": "line 3: <event> outside a <trace>",
    "traceEventSwapped.xes": "line 2: <event> outside a <trace>",
    "eventCorrectAttributes.xes": "line 26: <event> outside a <trace>",
    "eventIdenticalAttributes.xes": "line 28: <event> outside a <trace>",
    "eventIncorrectType.xes": "line 26: <event> outside a <trace>",
    "eventTooManyAttributes.xes": "line 26: <event> outside a <trace>",
    "elementIncorrect.xes": "line 15: unknown element <text> in <trace>",
    "logOutOfPlace.xes": "line 29: <log> inside <event>",
    "traceOutOfPlace.xes": "line 29: <trace> inside <event>",
    "stringNoAttributes.xes": "line 9: <string> attribute without a key",
    "intIncorrectValue.xes": "line 13: <int key='number'> has value '0.0'",
    "realIncorrectValue.xes": "line 13: <float key='number'> has value '1.0.0'",
    "booleanIncorrectValue.xes": "line 13: <float key='expression'> has value 'yes'",
    "dateIncorrectValue.xes": "line 13: <date key='long ago'> has value '2002-0530T09:30:10Z'",
}


@pytest.mark.skipif(not MALFORMED_FILES, reason="pm4py corpus not available")
def test_corpus_is_complete() -> None:
    assert len(MALFORMED_FILES) == 71


@pytest.mark.parametrize("path", MALFORMED_FILES, ids=[p.name for p in MALFORMED_FILES])
def test_malformed_corpus_table_or_input_error(
    path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Every file ends in a table or a clear InputError: nothing else, nothing on stderr."""
    if path.name in REFUSED:
        with pytest.raises(InputError) as info:
            read_xes(path)
        assert REFUSED[path.name] in str(info.value)
        assert str(path) in str(info.value)
    else:
        # a table, and the one the streaming lxml parser (precise, no fast path) reads
        raw, precise = read_xes(path), read_xes(path, reader="lxml")
        frame = raw.frame.collect()
        assert "case:concept:name" in frame.columns
        assert_frame_equal(frame, precise.frame.collect())
        assert [f.as_record() for f in raw.findings] == [f.as_record() for f in precise.findings]
    assert capfd.readouterr().err == ""


def _log_attributes(name: str) -> dict[str, object]:
    raw = read_xes(MALFORMED / name)
    assert raw.frame.collect().height == 0  # these files hold log attributes only
    attrs = raw.details["log_attributes"]
    assert isinstance(attrs, dict)
    return attrs


@pytest.mark.skipif(not MALFORMED_FILES, reason="pm4py corpus not available")
def test_corpus_typed_log_attributes() -> None:
    assert _log_attributes("intCorrectValue.xes") == {"number": 0}
    assert _log_attributes("realCorrectValue.xes") == {"number": 1.0}
    assert _log_attributes("booleanCorrectValue.xes") == {"expression": True}
    when = datetime(2002, 5, 30, 9, 30, 10, tzinfo=UTC)
    assert _log_attributes("dateCorrectValue.xes") == {"long ago": when}
    assert _log_attributes("dateNoTZD.xes") == {"long ago": when}
    no_tz = read_xes(MALFORMED / "dateNoTZD.xes")
    assert "date-without-offset" in {f.code for f in no_tz.findings}
    assert _log_attributes("idIncorrectValue.xes") == {"id": "No ID"}  # ids are kept as text
    assert _log_attributes("listTwoValues.xes") == {}  # log-level lists are metadata, skipped
    assert read_xes(MALFORMED / "classifierCorrectAttributes.xes").classifiers == {
        "name": ["concept:name", "org:resource"]
    }
    assert read_xes(MALFORMED / "classifierEmptyKeys.xes").classifiers == {}


@pytest.mark.skipif(not MALFORMED_FILES, reason="pm4py corpus not available")
def test_corpus_event_table(tmp_path: Path) -> None:
    # eventCorrectAttributes.xes is refused for its two events directly under <log>;
    # without them it is a proper one-trace log whose trace has no concept:name.
    lines = (MALFORMED / "eventCorrectAttributes.xes").read_text().splitlines()
    fixed = tmp_path / "eventCorrect_trace_only.xes"
    fixed.write_text("\n".join(lines[:25] + lines[33:]))
    raw = read_xes(fixed)
    expected = pl.DataFrame(
        {
            "case:concept:name": [None, None],
            "concept:name": ["name", "name"],
            "org:resource": ["name", "name"],
            "case:instance": ["name", "name"],
            "case:role": ["name", "name"],
        },
        schema_overrides={"case:concept:name": pl.String},
    )
    assert_frame_equal(raw.frame.collect(), expected)
    assert {f.code: f.count for f in raw.findings} == {"missing-case-id": 2}
    assert raw.details["log_attributes"] == {"concept:name": "name"}


# --------------------------------------------------------------------------- writer


def _canonical() -> pl.DataFrame:
    ts = [
        datetime(2024, 1, 1, 8, 0, tzinfo=UTC),
        datetime(2024, 1, 1, 9, 30, 0, 123456, tzinfo=UTC),
        datetime(2024, 1, 2, 10, 0, tzinfo=UTC),
        datetime(2024, 1, 1, 7, 0, tzinfo=UTC),
        datetime(2024, 1, 3, 12, 0, tzinfo=UTC),
    ]
    return pl.DataFrame(
        {
            "case_id": ["B&<1>", "B&<1>", 'A "quoted"', "B&<1>", 'A "quoted"'],
            "activity": ["Call <customer>", "Wait & see", "it's\tdone\n", "ctl\x01char", "Close"],
            "timestamp": ts,
            "event_index": [0, 1, 2, 3, 4],
            "resource": ["r1", None, "r'2", "r1", "r3"],
            "group": ["g1", "g1", None, "g2", "g2"],
            "lifecycle": ["complete"] * 5,
            "cost": [1, None, 3, 4, 5],
            "score": [0.5, 1.25, None, 2.0, 3.0],
            "urgent": [True, False, None, True, False],
            "case:product": ["P1", "P1", "P2", "P1", "P2"],
            "case:amount": [100, 100, 7, 100, 7],
        },
        schema_overrides={"timestamp": pl.Datetime("us", "UTC")},
    )


@pytest.mark.parametrize("suffix", [".xes", ".xes.gz"])
def test_write_then_read_back(tmp_path: Path, suffix: str) -> None:
    events = _canonical()
    target = tmp_path / f"out{suffix}"
    write_xes(events, target)
    raw = read_xes(target)
    back = raw.frame.collect()
    expected = (
        events.with_columns(pl.col("activity").str.replace_all("\x01", "\ufffd"))
        .sort(pl.col("event_index"))
        .with_row_index("__row")
        .with_columns(pl.col("__row").min().over("case_id").alias("__first"))
        .sort("__first", "event_index", maintain_order=True)
        .select(
            pl.col("case_id").alias("case:concept:name"),
            pl.col("activity").alias("concept:name"),
            pl.col("timestamp").alias("time:timestamp"),
            pl.col("lifecycle").alias("lifecycle:transition"),
            pl.col("resource").alias("org:resource"),
            pl.col("group").alias("org:group"),
            "cost",
            "score",
            "urgent",
            "case:amount",
            "case:product",
        )
    )
    assert_frame_equal(back, expected)
    assert raw.findings == []


def test_write_read_back_with_pm4py(tmp_path: Path) -> None:
    pm4py = pytest.importorskip("pm4py")
    events = _canonical()
    target = tmp_path / "out.xes"
    write_xes(events, target)
    df = pm4py.read_xes(str(target), variant="iterparse")
    assert df["case:concept:name"].nunique() == 2
    assert len(df) == 5
    assert sorted(df["concept:name"]) == sorted(
        events.get_column("activity").str.replace_all("\x01", "\ufffd").to_list()
    )
    got = sorted(pl.Series(df["time:timestamp"]).dt.convert_time_zone("UTC").to_list())
    assert got == sorted(events.get_column("timestamp").to_list())


@needs_logs
def test_write_real_log_round_trip(tmp_path: Path) -> None:
    raw = read_xes(LOGS / "helpdesk/helpdesk.xes.gz").frame.collect()
    events = raw.select(
        pl.col("case:concept:name").alias("case_id"),
        pl.col("concept:name").alias("activity"),
        pl.col("time:timestamp").alias("timestamp"),
        pl.int_range(pl.len(), dtype=pl.Int64).alias("event_index"),
        pl.col("org:resource").alias("resource"),
        "customer",
        "product",
    )
    target = tmp_path / "helpdesk.xes.gz"
    write_xes(events, target)
    back = read_xes(target).frame.collect()
    assert back.height == 21_348
    assert back.get_column("case:concept:name").n_unique() == 4_580
    assert_frame_equal(
        back.select("case:concept:name", "concept:name", "time:timestamp"),
        raw.select("case:concept:name", "concept:name", "time:timestamp"),
    )


def test_copy_keeps_working_in_tmp(tmp_path: Path) -> None:
    # A path with spaces and no .xes suffix; gzip detected by content, not by name.
    target = tmp_path / "log copy.bin"
    shutil.copy(DATA / "mixed_offsets.xes.gz", target)
    assert read_xes(target).frame.collect().height == 4


# --------------------------------------------------------------------------- two-part reader


@pytest.fixture
def split_always(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """Read every file in two parts (the path big files take), scratch files in tmp_path."""
    from frictionminer.io import xes_split

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(xes_split, "SPLIT_MIN_BYTES", 0)
    monkeypatch.setattr(xes_split, "_scratch_dir", lambda size: str(scratch))
    yield scratch
    assert list(scratch.iterdir()) == []  # parts, table and folder removed


def _whole(path: Path, monkeypatch: pytest.MonkeyPatch) -> RawLog:
    from frictionminer.io import xes_split

    with monkeypatch.context() as m:
        m.setattr(xes_split, "SPLIT_MIN_BYTES", 1 << 62)
        return read_xes(path)


def _same(split: RawLog, whole: RawLog) -> None:
    assert_frame_equal(split.frame.collect(), whole.frame.collect())
    assert [f.as_record() for f in split.findings] == [f.as_record() for f in whole.findings]
    details, expected = dict(split.details), dict(whole.details)
    details.pop("parts", None)
    if expected["reader"] == "lxml" and details["reader"] == "rustxes":
        details["reader"] = "lxml"
    for d in (details, expected):  # rustxes prints sets in hash order: "({Int64, String})"
        if "rustxes_skipped" in d:
            d["rustxes_skipped"] = d["rustxes_skipped"].partition("(")[0]
    assert details == expected
    assert split.classifiers == whole.classifiers


_HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<log xes.version="1849-2016" xmlns="http://www.xes-standard.org/">\n'
    '  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>\n'
    '  <global scope="trace"><string key="kind" value="UNKNOWN"/></global>\n'
    '  <global scope="event">\n'
    '    <string key="org:role" value="UNKNOWN"/>\n'
    '    <date key="time:timestamp" value="1970-01-01T00:00:00+00:00"/>\n'
    "  </global>\n"
    '  <classifier name="Activity" keys="concept:name"/>\n'
    '  <string key="source" value="test"/>\n'
)


def _synthetic(traces: int, body: str = "", at: int = -1, midnight: range = range(0)) -> str:
    """A log of ``traces`` traces (every 3rd without a role, every 5th without a kind,
    one empty); ``body`` is inserted before trace ``at``; traces in ``midnight`` have
    their events at 00:00:00."""
    out = [_HEADER]
    for t in range(traces):
        if t == at:
            out.append(body)
        if t == 7:
            out.append(f'  <trace><string key="concept:name" value="c{t}"/></trace>\n')
            continue
        kind = "" if t % 5 == 0 else f'<string key="kind" value="k{t % 2}"/>'
        out.append(f'  <trace>\n    <string key="concept:name" value="c{t}"/>{kind}\n')
        for e in range(3):
            role = "" if (t + e) % 3 == 0 else f'<string key="org:role" value="r{e}"/>'
            offset = "+01:00" if t < traces // 3 else "+02:00"
            hour = "00" if t in midnight else f"1{e}"
            when = f"2024-03-{1 + t % 28:02d}T{hour}:00:00{offset}"
            out.append(
                f'    <event><string key="concept:name" value="a{e}"/>{role}'
                f'<int key="n" value="{t * 10 + e}"/>'
                f'<date key="time:timestamp" value="{when}"/>'
                "</event>\n"
            )
        out.append("  </trace>\n")
    out.append("</log>\n")
    return "".join(out)


@pytest.mark.parametrize("suffix", [".xes", ".xes.gz"])
def test_two_parts_equal_one_with_globals_on_both_halves(
    split_always: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str
) -> None:
    text = _synthetic(40)
    target = tmp_path / f"log{suffix}"
    target.write_bytes(gzip.compress(text.encode()) if suffix.endswith(".gz") else text.encode())
    split = read_xes(target)
    assert split.details["reader"] == "rustxes"
    assert split.details["parts"] == 2
    frame = split.frame.collect()
    # <global> defaults are declared in the header both parts start with, and never filled:
    # missing roles and kinds stay null in both halves, no event gets a 1970 timestamp.
    roles = frame.get_column("org:role")
    kinds = frame.get_column("case:kind")
    half = frame.height // 2
    assert roles.head(half).null_count() > 0 and roles.tail(half).null_count() > 0
    assert kinds.head(half).null_count() > 0 and kinds.tail(half).null_count() > 0
    assert "UNKNOWN" not in roles.to_list() + kinds.to_list()
    assert frame.get_column("time:timestamp").dt.year().min() == 2024
    assert split.details["globals"] == {
        "trace": {"kind": "UNKNOWN"},
        "event": {"org:role": "UNKNOWN", "time:timestamp": "1970-01-01T00:00:00+00:00"},
    }
    assert split.details["log_attributes"] == {"source": "test"}
    codes = {f.code: f.count for f in split.findings}
    assert codes == {"empty-traces": 1, "mixed-offsets": 2}
    _same(split, _whole(target, monkeypatch))
    _same(split, read_xes(target, reader="lxml"))


@pytest.mark.parametrize(
    ("body", "at"),
    [
        ("  <!-- a comment between traces -->\n", 5),  # in the first part
        ("  <!-- a comment between traces -->\n", 35),  # in the second part
        ('  <trace><list key="l"><string key="x" value="1"/></list></trace>\n', 36),
    ],
)
def test_two_parts_fall_back_like_one(
    split_always: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: str, at: int
) -> None:
    """Whatever a part's guard refuses, the whole file is read as before (here by lxml)."""
    target = tmp_path / "log.xes"
    target.write_text(_synthetic(40, body, at))
    split = read_xes(target)
    assert split.details["reader"] == "lxml"
    assert "parts" not in split.details
    _same(split, _whole(target, monkeypatch))


@pytest.mark.parametrize("midnight", [range(20), range(20, 40), range(40)])
def test_two_parts_dates_at_midnight(
    split_always: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, midnight: range
) -> None:
    """Dates at 00:00:00 in one half, the other, or all (then a date-only finding)."""
    target = tmp_path / "log.xes"
    target.write_text(_synthetic(40, midnight=midnight))
    split = read_xes(target)
    assert split.details["parts"] == 2
    codes = {f.code for f in split.findings}
    assert ("date-only-timestamps" in codes) == (len(midnight) == 40)
    _same(split, _whole(target, monkeypatch))


def test_two_parts_types_differ_between_halves(
    split_always: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # "n" is an int in the first half and a string in the second: each part alone looks
    # fine to rustxes, the whole file does not.
    text = _synthetic(40)
    head, tail = text[: len(text) * 3 // 4], text[len(text) * 3 // 4 :]
    target = tmp_path / "log.xes"
    target.write_text(head + tail.replace('<int key="n"', '<string key="n"'))
    split = read_xes(target)
    assert split.frame.collect().schema["n"] == pl.String
    assert "mixed-attribute-types" in {f.code for f in split.findings}
    _same(split, _whole(target, monkeypatch))


@pytest.mark.parametrize(
    ("body", "at", "message"),
    [
        ('  <event><string key="concept:name" value="x"/></event>\n', 33, "outside a <trace>"),
        ('  <trace><int key="n" value="x4"/></trace>\n', 30, "<int key='n'> has value 'x4'"),
    ],
)
def test_two_parts_errors_name_the_original_line(
    split_always: Path, tmp_path: Path, body: str, at: int, message: str
) -> None:
    text = _synthetic(40, body, at)
    target = tmp_path / "log.xes"
    target.write_text(text)
    line = text[: text.index(body)].count("\n") + 1
    with pytest.raises(InputError, match=rf"line {line}: .*{re.escape(message)}"):
        read_xes(target)


def test_two_parts_still_refuse_hostile_and_broken_files(
    split_always: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("billion_laughs.xes", "xxe_passwd.xes"):
        with pytest.raises(InputError, match="DTD"):
            read_xes(DATA / name)
    with pytest.raises(InputError, match="truncated gzip"):
        read_xes(DATA / "truncated.xes.gz")
    truncated = tmp_path / "truncated.xes"
    truncated.write_text(_synthetic(40).removesuffix("</log>\n"))
    bad_gzip = tmp_path / "cut.xes.gz"
    bad_gzip.write_bytes(gzip.compress(_synthetic(400).encode())[:-200])
    for broken in (truncated, bad_gzip):
        with pytest.raises(InputError) as whole:
            _whole(broken, monkeypatch)
        with pytest.raises(InputError) as split:
            read_xes(broken)
        assert str(split.value) == str(whole.value)
    assert "corrupt or truncated gzip" in str(split.value)


def test_two_parts_need_a_trace_boundary(split_always: Path, tmp_path: Path) -> None:
    one = tmp_path / "one.xes"
    one.write_text(_synthetic(1))
    raw = read_xes(one)
    assert raw.details["reader"] == "rustxes"
    assert "parts" not in raw.details  # nothing to cut: read whole


@needs_logs
@pytest.mark.parametrize(
    "name",
    [
        "helpdesk/helpdesk.xes.gz",
        "bpic2013/BPI_Challenge_2013_closed_problems.xes.gz",
        "receipt_wabo/receipt.xes.gz",  # globals with 1970 defaults
        "bpic2020/PermitLog_cleaned.xes.gz",  # globals, defaults present in the table
        "pm4py-tests/input_data/roadtraffic50traces.xes",  # dates without offset
    ],
)
def test_two_parts_equal_one_on_real_logs(
    split_always: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    split = read_xes(LOGS / name)
    assert split.details["parts"] == 2
    _same(split, _whole(LOGS / name, monkeypatch))


def test_two_parts_without_sendfile(
    split_always: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from frictionminer.io import xes_split

    def no_sendfile(*args: object) -> int:
        raise OSError("sendfile not supported here")

    target = tmp_path / "log.xes"
    target.write_text(_synthetic(40))
    whole = _whole(target, monkeypatch)
    monkeypatch.setattr(xes_split.os, "sendfile", no_sendfile)
    split = read_xes(target)
    assert split.details["parts"] == 2
    _same(split, whole)


def test_trace_count_matches_the_regex_definition() -> None:
    from frictionminer.io.xes_scan import count_traces

    def reference(data: bytes) -> tuple[int, int]:
        traces = empty = 0
        for m in re.finditer(rb"<trace\b[^>]*>", data):
            traces += 1
            end = data.find(b"</trace>", m.end())
            end = len(data) if end < 0 else end
            if m.group().endswith(b"/>") or data.find(b"<event", m.end(), end) < 0:
                empty += 1
        return traces, empty

    samples = [
        b"<trace><event/></trace><trace/><trace >\n</trace><traces><trace\t/>",
        b'<trace a="1"><string key="k" value="v"/></trace><trace><event></event></trace>',
        b"<trace><event></event><traceX></trace><trace><trace></trace><event/></trace>",
        b"<trace",
        b"<trace><string/></trace></log><trace><event",
        _synthetic(12).encode(),
    ]
    for data in samples:
        assert count_traces(data, 0) == reference(data), data


@pytest.mark.skipif(not Path("/bin/false").exists(), reason="needs /bin/false")
def test_two_parts_child_failure_reads_whole(
    split_always: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import sys

    target = tmp_path / "log.xes"
    target.write_text(_synthetic(40))
    whole = _whole(target, monkeypatch)
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the part reader cannot start
    split = read_xes(target)
    assert "parts" not in split.details
    _same(split, whole)


@pytest.mark.parametrize("suffix", [".xes", ".xes.gz"])
def test_medium_path_reads_a_copy_without_globals(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, suffix: str
) -> None:
    """Whole-file rustxes with the scan in a child process: one run, on a stripped copy."""
    from frictionminer.io import xes as xes_module
    from frictionminer.io import xes_split

    text = _synthetic(40)
    target = tmp_path / f"log{suffix}"
    target.write_bytes(gzip.compress(text.encode()) if suffix.endswith(".gz") else text.encode())
    monkeypatch.setattr(xes_split, "SPLIT_MIN_BYTES", 1 << 62)
    monkeypatch.setattr(xes_module, "_PARALLEL_MIN_BYTES", 0)
    runs: list[Path] = []
    run = xes_module.run_rustxes

    def counted(p: Path) -> object:
        runs.append(p)
        return run(p)

    monkeypatch.setattr(xes_module, "run_rustxes", counted)
    raw = read_xes(target)
    assert raw.details["reader"] == "rustxes"
    assert len(runs) == 1 and runs[0] != target and not runs[0].exists()
    frame = raw.frame.collect()
    assert "UNKNOWN" not in frame.get_column("org:role").to_list()
    _same(raw, read_xes(target, reader="lxml"))
