"""Object-centric logs (OCEL 1.0/2.0) read through pm4py and flattened per case object.

``tests/data/ocel_two_orders.jsonocel`` is written by hand: two orders ``o1`` and ``o2``,
one customer ``c1`` (linked to ``o1`` by an object-to-object relation ``places``), six
events:

====  ==================  ======================  =================================
id    activity            time (UTC)              related to
====  ==================  ======================  =================================
e1    place order         2024-01-01 09:00        o1, c1
e2    place order         2024-01-01 10:00        o2, c1
e3    payment reminder    2024-01-03 09:00        o1, o2 (no customer)
e4    customer calls      2024-01-04 08:00        c1 only (no order)
e5    pay order           2024-01-05 11:00        o1 (written 12:00+01:00)
e6    pay order           2024-01-06 09:00        o2
====  ==================  ======================  =================================

With orders as the cases: e4 is dropped; e3 is in both cases; 6 rows.  The customer of
each row is c1: directly (e1, e2), through o1's O2O link (e3 and e5 in o1), or through
another event of the case (e3 and e6 in o2 reach c1 through e2).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import REPO, shared_log
from frictionminer.cli import app
from frictionminer.errors import InputError, UsageError
from frictionminer.io import detect_format, load
from frictionminer.settings import Settings

pytest.importorskip("pm4py")

TWO_ORDERS = REPO / "tests" / "data" / "ocel_two_orders.jsonocel"
ORDERS = Settings(ocel={"case_type": "order", "customer_type": "customer"})
runner = CliRunner()


def codes(log: object) -> dict[str, int]:
    return {f.code: f.count for f in log.findings}  # type: ignore[attr-defined]


def test_two_orders_hand_counts() -> None:
    log = load(TWO_ORDERS, ORDERS)
    ev = log.events
    assert log.format == "ocel"
    rows = ev.select("case_id", "ocel:eid", "activity", "ocel:customer").rows()
    assert rows == [
        ("o1", "e1", "place order", "c1"),
        ("o2", "e2", "place order", "c1"),
        ("o1", "e3", "payment reminder", "c1"),
        ("o2", "e3", "payment reminder", "c1"),
        ("o1", "e5", "pay order", "c1"),
        ("o2", "e6", "pay order", "c1"),
    ]
    # the offset is converted: 12:00+01:00 is 11:00 UTC
    assert ev.filter(pl.col("ocel:eid") == "e5")["timestamp"].item() == datetime(
        2024, 1, 5, 11, tzinfo=UTC
    )
    # event attributes kept (and 'channel' detected as the channel role), case attributes
    assert ev["channel"].to_list() == ["web", "phone", None, None, None, None]
    assert dict(ev.select("case_id", "case:amount").unique().sort("case_id").rows()) == {
        "o1": 100,
        "o2": 50,
    }
    found = codes(log)
    assert found["ocel-flattened"] == 2
    assert found["ocel-events-without-case"] == 1  # e4
    assert found["ocel-events-in-several-cases"] == 1  # e3
    assert "ocel-several-customers" not in found
    assert "ocel-no-customer" not in found


def test_without_customer_type_no_customer_column() -> None:
    log = load(TWO_ORDERS, Settings(ocel={"case_type": "order"}))
    assert "ocel:customer" not in log.events.columns
    assert log.events.height == 6


def test_customer_as_case_type() -> None:
    """The customer's own events as one case: e1, e2 and e4 (e3, e5, e6 name no customer)."""
    log = load(TWO_ORDERS, Settings(ocel={"case_type": "customer"}))
    assert log.events.select("case_id", "ocel:eid").rows() == [
        ("c1", "e1"),
        ("c1", "e2"),
        ("c1", "e4"),
    ]
    assert log.events["case:segment"].unique().to_list() == ["retail"]
    assert codes(log)["ocel-events-without-case"] == 3


def _two_customers(tmp_path: Path) -> Path:
    """The same log with a second customer c2 also related to e3 and to o2 (O2O)."""
    data = json.loads(TWO_ORDERS.read_text(encoding="utf-8"))
    data["objects"].append(
        {
            "id": "c2",
            "type": "customer",
            "attributes": [],
            "relationships": [{"objectId": "o2", "qualifier": "places"}],
        }
    )
    for ev in data["events"]:
        if ev["id"] == "e3":
            ev["relationships"].append({"objectId": "c2", "qualifier": "customer"})
    path = tmp_path / "two_customers.jsonocel"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_several_customers_smallest_kept_and_counted(tmp_path: Path) -> None:
    log = load(_two_customers(tmp_path), ORDERS)
    got = log.events.select("case_id", "ocel:eid", "ocel:customer").rows()
    # e1, e2 and e3 name their customer themselves; e5 (o1) reaches c1 (O2O, e1) and c2
    # (through e3), e6 (o2) reaches c1 (through e2) and c2 (O2O, e3): two customers each,
    # the smallest id (c1) is kept
    assert got == [
        ("o1", "e1", "c1"),
        ("o2", "e2", "c1"),
        ("o1", "e3", "c2"),
        ("o2", "e3", "c2"),
        ("o1", "e5", "c1"),
        ("o2", "e6", "c1"),
    ]
    assert codes(log)["ocel-several-customers"] == 2  # (e5, o1) and (e6, o2)


def test_missing_case_type_lists_the_types() -> None:
    with pytest.raises(UsageError) as info:
        load(TWO_ORDERS)
    text = str(info.value)
    assert "object types: order (2), customer (1)" in text
    assert "--ocel-case" in text


def test_unknown_type_suggests() -> None:
    with pytest.raises(UsageError, match="did you mean 'order'"):
        load(TWO_ORDERS, Settings(ocel={"case_type": "orders"}))
    with pytest.raises(UsageError, match="--ocel-customer"):
        load(TWO_ORDERS, Settings(ocel={"case_type": "order", "customer_type": "client"}))


def test_detect_format(tmp_path: Path) -> None:
    assert detect_format(TWO_ORDERS) == "ocel"
    plain = tmp_path / "x.json"
    plain.write_text('{"rows": [1, 2]}', encoding="utf-8")
    with pytest.raises(InputError, match="unsupported file type"):
        detect_format(plain)
    as_json = tmp_path / "x.json"
    as_json.write_bytes(TWO_ORDERS.read_bytes())
    assert detect_format(as_json) == "ocel"
    fake = tmp_path / "x.jsonocel"
    fake.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an object-centric log"):
        detect_format(fake)


def test_xml_with_a_dtd_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "x.xmlocel"
    bad.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE log [<!ENTITY a "aaaa">]>\n'
        "<log><object-types/><event-types/><objects/><events/></log>\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="DOCTYPE"):
        load(bad, ORDERS)


@pytest.mark.parametrize("ext", ["jsonocel", "xmlocel"])
def test_truncated_file_is_one_line(tmp_path: Path, ext: str) -> None:
    """A file cut short: pm4py (rustxes under it panics on JSON) fails or finds nothing;
    either way one line, exit 2."""
    bad = tmp_path / f"cut.{ext}"
    if ext == "jsonocel":
        bad.write_bytes(TWO_ORDERS.read_bytes()[:300])
    else:
        bad.write_text('<?xml version="1.0"?><log><object-types><object-type name="a">')
    res = runner.invoke(app, ["info", str(bad), "--ocel-case", "order"])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"error: {bad}: ")


# --- the command line ---------------------------------------------------------------


def test_cli_info_json() -> None:
    res = runner.invoke(
        app,
        [
            "info",
            str(TWO_ORDERS),
            "--ocel-case",
            "order",
            "--ocel-customer",
            "customer",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.stderr
    out = json.loads(res.stdout)
    assert (out["cases"], out["events"]) == (2, 6)
    found = {f["code"]: f["count"] for f in out["findings"]}
    assert found["ocel-events-without-case"] == 1
    assert found["ocel-events-in-several-cases"] == 1


def test_cli_score(tmp_path: Path) -> None:
    out = tmp_path / "s.csv"
    res = runner.invoke(
        app,
        ["score", str(TWO_ORDERS), "--ocel-case", "order", "-o", str(out), "-q"],
    )
    assert res.exit_code == 0, res.stderr
    scores = pl.read_csv(out).sort("case_id")
    assert scores["case_id"].to_list() == ["o1", "o2"]
    # o1: e1 (Jan 1 09:00) .. e5 (Jan 5 11:00) = 98 h; o2: e2 (Jan 1 10:00) .. e6 (Jan 6 09:00)
    assert scores["duration_hours"].to_list() == [98.0, 119.0]
    assert scores["events"].to_list() == [3, 3]


def test_cli_without_case_type_is_one_line() -> None:
    res = runner.invoke(app, ["info", str(TWO_ORDERS)])
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "order (2), customer (1)" in lines[0]


# --- real logs ----------------------------------------------------------------------


def test_order_management_json_and_xml_agree() -> None:
    """Knopp & van der Aalst's Order Management: 2,000 orders, each placed by one of 15
    customers; events on orders: place, confirm, pay (2,000 each) and 566 reminders."""
    settings = Settings(ocel={"case_type": "orders", "customer_type": "customers"})
    logs = [
        load(shared_log(f"ocel/order-management/order-management.{ext}.gz"), settings)
        for ext in ("json", "xml")
    ]
    for log in logs:
        ev = log.events
        assert ev.height == 3 * 2000 + 566
        assert ev["case_id"].n_unique() == 2000
        assert ev["ocel:customer"].null_count() == 0
        assert ev["ocel:customer"].n_unique() == 15
        per_case = ev.group_by("case_id").agg(pl.col("ocel:customer").n_unique())
        assert per_case["ocel:customer"].max() == 1
        assert codes(log)["ocel-events-without-case"] == 21008 - 6566
        assert "ocel-events-in-several-cases" not in codes(log)
    cols = ["case_id", "activity", "timestamp", "ocel:customer"]
    assert logs[0].events.select(cols).equals(logs[1].events.select(cols))


def test_recruiting_ocel1() -> None:
    settings = Settings(ocel={"case_type": "applications", "customer_type": "applicants"})
    log = load(shared_log("ocel/recruiting/recruiting.jsonocel"), settings)
    assert log.events["case_id"].n_unique() == 916
    assert log.events["ocel:customer"].n_unique() == 288


def test_sqlite_ocel2() -> None:
    settings = Settings(ocel={"case_type": "orders", "customer_type": "customers"})
    log = load(shared_log("ocel/variants/ocpa_running-example.sqlite"), settings)
    assert log.events["case_id"].n_unique() == 2000
    assert log.events["ocel:customer"].n_unique() == 3


@pytest.mark.parametrize("name", ["ocel20_example", "example_log"])
def test_pm4py_examples_same_in_every_serialisation(name: str) -> None:
    case_type = "Purchase Order" if name == "ocel20_example" else "order"
    settings = Settings(ocel={"case_type": case_type})
    tables = [
        load(shared_log(f"pm4py-tests/input_data/ocel/{name}.{ext}"), settings)
        .events.select("case_id", "activity", "timestamp", "ocel:eid")
        .sort("case_id", "timestamp", "ocel:eid")
        for ext in ("jsonocel", "xmlocel", "sqlite")
    ]
    assert tables[0].height == (5 if name == "ocel20_example" else 12)
    assert tables[1].equals(tables[2])
    json_table = tables[0]
    if name == "ocel20_example":
        # the XML and SQLite copies write the times without an offset, one hour ahead of
        # the JSON's "+00:00" (local time): read as UTC, they are an hour later
        json_table = json_table.with_columns(pl.col("timestamp") + pl.duration(hours=1))
    assert json_table.equals(tables[1])


# --- interop: convert writes a friction-annotated log that pm4py reads back -------------

SHOELACE = REPO / "sample_logs" / "shoelace.csv"
STORIES = REPO / "sample_logs" / "stories.toml"


def _events_of(log: object) -> list[tuple[str, str, datetime]]:
    ev = log.events  # type: ignore[attr-defined]
    return sorted(ev.select("case_id", "activity", "timestamp").rows())


@pytest.mark.filterwarnings("ignore:In the current version:UserWarning")
def test_annotated_xes_reads_back_in_pm4py(tmp_path: Path) -> None:
    import pm4py

    out = tmp_path / "shoelace.xes"
    res = runner.invoke(
        app, ["convert", str(SHOELACE), "--config", str(STORIES), "-o", str(out), "--annotate"]
    )
    assert res.exit_code == 0, res.stderr
    back = pl.from_pandas(pm4py.read_xes(str(out)))
    source = load(SHOELACE, api_settings())
    assert back.height == source.events.height == 41
    got = sorted(
        back.select(
            "case:concept:name",
            "concept:name",
            pl.col("time:timestamp").dt.convert_time_zone("UTC").dt.cast_time_unit("us"),
        ).rows()
    )
    assert got == _events_of(source)
    first = (
        back.filter(pl.col("case:concept:name") == "W-1001")
        .sort("time:timestamp")
        .row(0, named=True)
    )
    # 'Customer reports broken shoelace' 08:14, the next event 08:20: a 0.1 h wait on the
    # company; the report is a contact
    assert first["friction:wait_hours"] == pytest.approx(0.1)
    assert first["friction:waiting_on"] == "company"
    assert first["friction:contact"] is True
    from frictionminer import api

    result = api.analyze(SHOELACE, api_settings())
    raised = sorted(result.flags.filter(pl.col("case_id") == "W-1001")["rule"].to_list())
    flags = back.filter(pl.col("case:concept:name") == "W-1001")["case:friction:flags"][0]
    assert flags.split(",") == raised
    assert back.filter(pl.col("case:concept:name") == "W-1001")["case:friction:FM001"].all()
    # every role count equals the analysis' own
    for role in ("contact", "customer_task", "customer_action", "notice", "resolution"):
        assert back[f"friction:{role}"].sum() == result.events[f"role_{role}"].sum()


def api_settings() -> Settings:
    from frictionminer.api import load_settings

    return load_settings(STORIES)


def test_plain_xes_has_no_annotation(tmp_path: Path) -> None:
    out = tmp_path / "shoelace.xes"
    res = runner.invoke(app, ["convert", str(SHOELACE), "-o", str(out), "-q"])
    assert res.exit_code == 0, res.stderr
    assert "friction:" not in out.read_text(encoding="utf-8")


def test_ocel_output_reads_back_in_pm4py(tmp_path: Path) -> None:
    import pm4py

    out = tmp_path / "shoelace.jsonocel"
    res = runner.invoke(app, ["convert", str(SHOELACE), "--config", str(STORIES), "-o", str(out)])
    assert res.exit_code == 0, res.stderr
    ocel = pm4py.read_ocel2_json(str(out))
    events = pl.from_pandas(ocel.events)
    relations = pl.from_pandas(ocel.relations)
    assert events.height == 41
    assert "friction:wait_hours" in events.columns  # annotated by default
    got = sorted(
        events.join(relations.filter(pl.col("ocel:type") == "case"), on="ocel:eid")
        .select(
            "ocel:oid",
            "ocel:activity",
            pl.col("ocel:timestamp").dt.replace_time_zone("UTC").dt.cast_time_unit("us"),
        )
        .rows()
    )
    assert got == _events_of(load(SHOELACE, api_settings()))
    objects = pl.from_pandas(ocel.objects)
    assert objects.filter(pl.col("ocel:type") == "case").height == 5


def test_ocel_round_trip_keeps_shared_events(tmp_path: Path) -> None:
    """The two-order log out and back: e3 is one event again, related to both orders."""
    import pm4py

    out = tmp_path / "again.jsonocel"
    res = runner.invoke(
        app,
        [
            "convert",
            str(TWO_ORDERS),
            "--ocel-case",
            "order",
            "--ocel-customer",
            "customer",
            "-o",
            str(out),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.stderr
    ocel = pm4py.read_ocel2_json(str(out))
    assert sorted(ocel.events["ocel:eid"]) == ["e1", "e2", "e3", "e5", "e6"]
    rel = pl.from_pandas(ocel.relations)
    e3 = rel.filter(pl.col("ocel:eid") == "e3")
    assert sorted(e3.filter(pl.col("ocel:type") == "order")["ocel:oid"]) == ["o1", "o2"]
    assert e3.filter(pl.col("ocel:type") == "customer")["ocel:oid"].to_list() == ["c1"]
    # and frictionminer reads its own output as it read the original
    first, again = load(TWO_ORDERS, ORDERS), load(out, ORDERS)
    cols = ["case_id", "ocel:eid", "activity", "timestamp", "ocel:customer"]
    assert again.events.select(cols).equals(first.events.select(cols))
    assert again.events["case:amount"].to_list() == first.events["case:amount"].to_list()


def test_customer_type_is_the_journeys_customer_without_a_config() -> None:
    """--ocel-customer alone is enough for --journey: the customer object's column is the
    journeys' customer unless [journey] customer names another."""
    assert ORDERS.journey.customer == "ocel:customer"
    assert Settings(ocel={"case_type": "order"}).journey.customer is None
    other = Settings(ocel={"customer_type": "customer"}, journey={"customer": "case:amount"})
    assert other.journey.customer == "case:amount"
    res = runner.invoke(
        app,
        [
            "score",
            str(TWO_ORDERS),
            "--ocel-case",
            "order",
            "--ocel-customer",
            "customer",
            "--journey",
            "--format",
            "json",
        ],
    )
    assert res.exit_code == 0, res.output
    journeys = json.loads(res.stdout)["summary"]["journeys"]
    assert (journeys["customers"], journeys["journeys"], journeys["cases"]) == (1, 1, 2)
