"""CSV and Parquet ingest: real public logs with their published counts, one hand-made file
per exporter quirk, the error messages, and a round-trip property over random tables."""

from __future__ import annotations

import csv
import gzip
import os
import random
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from frictionminer.errors import InputError
from frictionminer.io.base import Finding, RawLog
from frictionminer.io.tabular import SAMPLE_BYTES, CsvOptions, read_csv, read_parquet

DATA = Path(__file__).parent / "data" / "csv"
B14 = "bpic2014/"
SHARED_LOGS = Path(
    os.environ.get(
        "FRICTIONMINER_SHARED_LOGS", Path(__file__).resolve().parents[2] / "shared" / "logs"
    )
)


def shared_log(relative: str) -> Path:
    """Path of a real log, skipped when absent (as conftest's helper, but importable whether
    or not ``tests`` is a package)."""
    path = SHARED_LOGS / relative
    if not path.exists():
        if os.environ.get("CI"):
            raise FileNotFoundError(f"{path} missing in CI: ../shared/logs must be present")
        pytest.skip(f"real log not available: {path}")
    return path


def finding(log: RawLog, code: str) -> Finding:
    """The one finding with ``code`` (fails if there is none)."""
    matches = [f for f in log.findings if f.code == code]
    assert len(matches) == 1, (code, log.findings)
    return matches[0]


def codes(log: RawLog) -> set[str]:
    return {f.code for f in log.findings}


def raw_csv_rows(path: Path, delimiter: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    """The file read independently, with Python's csv module: the reference for values."""
    with gzip.open(path, "rt", encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


# --------------------------------------------------------------------------------------------
# Real logs (counts from ../shared/logs/README.md)
# --------------------------------------------------------------------------------------------


def test_helpdesk_keeps_both_variant_columns() -> None:
    log = read_csv(shared_log("helpdesk/helpdesk.csv.gz"))
    df = log.frame.collect()
    assert log.format == "csv"
    assert df.height == 21_348
    assert df["Case ID"].n_unique() == 4_580
    assert df.columns[:7] == [
        "Case ID",
        "Activity",
        "Resource",
        "Complete Timestamp",
        "Variant",
        "Variant index",
        "Variant_2",
    ]
    assert df["Variant"].null_count() == 0 and df["Variant_2"].null_count() == 0
    assert (df["Variant"] == df["Variant_2"]).all()  # Disco wrote the same column twice
    dup = finding(log, "duplicate-columns")
    assert dup.count == 1 and "Variant_2" in dup.message
    assert df.schema["Complete Timestamp"] == pl.String  # dates are left to the normaliser
    assert df.schema["Variant index"] == pl.Int64
    assert df.row(0)[:4] == ("Case 1", "Assign seriousness", "Value 1", "2012/10/09 14:50:17.000")
    assert log.details["delimiter"] == "," and log.details["encoding"] == "utf-8"
    assert log.details["rows_read"] == 21_348


def test_bpic2014_incident_detail() -> None:
    path = shared_log(B14 + "Detail_Incident.csv.gz")
    log = read_csv(path)
    df = log.frame.collect()
    assert df.height == 46_606
    assert df["Incident ID"].n_unique() == 46_606
    assert df["Incident ID"].null_count() == 0
    assert finding(log, "empty-rows-dropped").count == 203
    dropped = finding(log, "empty-columns-dropped")
    assert dropped.count == 50
    assert df.width == 28 and df.columns[-1] == "ServiceComp WBS (CBy)"
    assert log.details["delimiter"] == ";"
    assert log.details["rows_read"] == 46_809
    assert log.details["decimal_comma"] is True
    assert log.details["decimal_comma_columns"] == ["Handle Time (Hours)"]

    hours = df.schema["Handle Time (Hours)"]
    assert hours == pl.Float64
    raw = {r["Incident ID"]: r["Handle Time (Hours)"] for r in raw_csv_rows(path, ";")}
    assert raw["IM0000004"] == "3871,691111"
    assert raw["IM0047057"] == "0,586388889"
    by_id = dict(zip(df["Incident ID"], df["Handle Time (Hours)"], strict=True))
    assert by_id["IM0000004"] == 3871.691111
    assert by_id["IM0000005"] == 4354.786389
    assert by_id["IM0047057"] == 0.586388889
    # every value, against the independent reading
    for incident, text in raw.items():
        if incident:
            expected = float(text.replace(",", ".")) if text else None
            assert by_id[incident] == expected, incident
    # "Urgency" has a single "5 - Very Low" among 46k digits: it must stay text, not fail
    assert df.schema["Urgency"] == pl.String
    assert df.filter(pl.col("Urgency") == "5 - Very Low").height == 1
    assert df.schema["# Reassignments"] == pl.Int64
    assert df.schema["Open Time"] == pl.String


@pytest.mark.slow
def test_bpic2014_interactions() -> None:
    log = read_csv(shared_log(B14 + "Detail_Interaction.csv.gz"))
    df = log.frame.collect()
    assert df.height == 147_004
    assert df["Interaction ID"].n_unique() == 147_004
    assert df.schema["Handle Time (secs)"] == pl.Int64
    assert df.schema["Open Time (First Touch)"] == pl.String
    assert df.row(0)[4:6] == ("SD0000001", "Closed")
    assert df["Open Time (First Touch)"][0] == "9-9-2011 9:23"
    assert log.findings == []


def test_bpic2014_changes() -> None:
    df = read_csv(shared_log(B14 + "Detail_Change.csv.gz")).frame.collect()
    assert df.height == 30_275
    assert df["Change ID"].n_unique() == 18_000
    assert df.columns[0] == "CI Name (aff)"


@pytest.mark.slow
def test_bpic2014_activity_join_strips_bom() -> None:
    log = read_csv(shared_log(B14 + "Detail_Incident_Activity_joined.csv.gz"))
    df = log.frame.collect()
    assert df.columns[0] == "Incident ID"
    assert df.height == 466_660
    assert df["Incident ID"].n_unique() == 46_629
    assert log.details["encoding"] == "utf-8-sig"
    assert log.details["delimiter"] == ","
    assert df.row(0)[:3] == ("IM0002729", "Open", "2013-10-04 10:59:40")


def test_bpi2016_complaints_latin1() -> None:
    log = read_csv(shared_log("other/BPI2016_Complaints.csv.gz"))
    df = log.frame.collect()
    assert df.height == 289
    assert log.details["encoding"] == "cp1252"
    assert log.details["delimiter"] == ";"
    assert "encoding" in codes(log)
    topics = set(df["ComplaintTopic"].drop_nulls())
    assert "boos over beëindiging gesprek" in topics
    assert "ongeïnteresseerd / te weinig aandacht gekregen" in topics
    assert df.schema["ContactDate"] == pl.String
    assert df.schema["CustomerID"] == pl.Int64
    assert df.row(0)[:3] == (1945807, "50-65", "M")


def test_pm4py_running_example_csv() -> None:
    log = read_csv(shared_log("pm4py-tests/input_data/running-example.csv"))
    df = log.frame.collect()
    assert df.height == 42
    # the first header field is empty (a pandas index): kept, since it has values
    assert df.columns[0] == "column_1"
    assert df["column_1"].to_list() == list(range(42))
    assert finding(log, "unnamed-columns").count == 1
    assert df["case:concept:name"].n_unique() == 6
    assert df["time:timestamp"][0] == "2010-12-30 14:32:00+01:00"


def test_pm4py_receipt_csv_gz() -> None:
    df = read_csv(shared_log("pm4py-tests/input_data/receipt.csv.gz")).frame.collect()
    assert df.height == 8_577
    assert df["case:concept:name"].n_unique() == 1_434


def test_receipt_parquet_matches_csv() -> None:
    log = read_parquet(shared_log("pm4py-tests/input_data/receipt.parquet"))
    assert log.format == "parquet"
    assert isinstance(log.frame, pl.LazyFrame)
    df = log.frame.collect()
    assert df.height == 8_577
    assert df["case:concept:name"].n_unique() == 1_434
    assert isinstance(df.schema["time:timestamp"], pl.Datetime)


def test_running_example_parquet_keeps_datetime() -> None:
    df = read_parquet(shared_log("pm4py-tests/input_data/running-example.parquet")).frame.collect()
    assert df.height == 42
    assert isinstance(df.schema["time:timestamp"], pl.Datetime)


# --------------------------------------------------------------------------------------------
# Hand-made files, one quirk each
# --------------------------------------------------------------------------------------------


def test_german_export() -> None:
    log = read_csv(DATA / "german_export.csv")
    df = log.frame.collect()
    assert log.details["delimiter"] == ";"
    assert log.details["decimal_comma"] is True
    assert log.details["decimal_comma_columns"] == ["Betrag", "Dauer (Std)"]
    assert df.schema == pl.Schema(
        {
            "Vorgang": pl.Int64,
            "Aktivität": pl.String,
            "Zeitpunkt": pl.String,
            "Betrag": pl.Float64,
            "Dauer (Std)": pl.Float64,
            "Kunde": pl.String,
            "Erledigt": pl.String,
        }
    )
    assert df["Zeitpunkt"].to_list() == ["02.03.2026 14:05", "02.03.2026 15:10", "03.03.2026 09:00"]
    assert df["Betrag"].to_list() == [1234.5, 12.0, -7.25]
    assert df["Dauer (Std)"].to_list() == [3.75, 0.5, 1.0]
    assert df["Kunde"].to_list() == ["007", "007", "012"]
    assert df["Aktivität"][1] == "Rückfrage an Kunde"  # CRLF stripped, umlaut intact
    assert "leading-zeros-kept" in codes(log)


def test_german_export_gz_is_identical() -> None:
    plain = read_csv(DATA / "german_export.csv")
    packed = read_csv(DATA / "german_export.csv.gz")
    assert_frame_equal(plain.frame.collect(), packed.frame.collect())
    assert packed.details == plain.details


def test_decimal_comma_can_be_forced_or_refused() -> None:
    refused = read_csv(DATA / "german_export.csv", CsvOptions(decimal_comma=False))
    df = refused.frame.collect()
    assert df.schema["Betrag"] == pl.String and df["Betrag"][0] == "1.234,5"
    assert refused.details["decimal_comma"] is False
    forced = read_csv(DATA / "german_export.csv", CsvOptions(decimal_comma=True))
    assert forced.frame.collect()["Betrag"].to_list() == [1234.5, 12.0, -7.25]


def test_decimal_comma_forced_reads_dots_as_thousands(tmp_path: Path) -> None:
    path = tmp_path / "thousands.csv"
    path.write_text("id;amount\n1;1.234\n2;12.500\n")
    assert read_csv(path).frame.collect()["amount"].to_list() == [1.234, 12.5]
    forced = read_csv(path, CsvOptions(decimal_comma=True)).frame.collect()
    assert forced["amount"].to_list() == [1234.0, 12500.0]


def test_cp1252_detected() -> None:
    log = read_csv(DATA / "cp1252.csv")
    df = log.frame.collect()
    assert log.details["encoding"] == "cp1252"
    assert df.columns == ["Fall", "Aktivität", "Notiz"]
    assert df["Aktivität"].to_list() == ["Prüfung", "Größe ändern", "Übergabe"]
    assert df["Notiz"].to_list() == ["Gebühr 5 €", "Straße", "Öl"]


def test_explicit_encoding_is_used() -> None:
    latin = read_csv(DATA / "cp1252.csv", CsvOptions(encoding="latin-1"))
    assert latin.details["encoding"] == "latin-1"
    # € is 0x80: a C1 control in ISO-8859-1, the euro sign only in cp1252
    assert latin.frame.collect()["Notiz"][0] == "Gebühr 5 \x80"


def test_wrong_explicit_encoding_names_line_and_column() -> None:
    with pytest.raises(InputError) as err:
        read_csv(DATA / "cp1252.csv", CsvOptions(encoding="utf-8"))
    assert err.value.message == (
        f"{DATA / 'cp1252.csv'}: line 1, column 13: byte 0xe4 is not valid utf-8"
    )
    assert err.value.hint and "cp1252" in err.value.hint


def test_unknown_encoding() -> None:
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_csv(DATA / "bom.csv", CsvOptions(encoding="klingon"))


def test_bom_stripped() -> None:
    log = read_csv(DATA / "bom.csv")
    df = log.frame.collect()
    assert df.columns == ["Incident ID", "Activity", "Team"]
    assert log.details["encoding"] == "utf-8-sig"
    assert df["Incident ID"].to_list() == ["IM0001", "IM0001"]


def test_tab_delimited() -> None:
    log = read_csv(DATA / "tab.tsv")
    df = log.frame.collect()
    assert log.details["delimiter"] == "\t"
    assert df["activity"].to_list() == ["call customer", "send letter, then wait"]
    assert df["cost"].to_list() == [1.5, 2.0]


def test_pipe_delimited() -> None:
    log = read_csv(DATA / "pipe.csv")
    assert log.details["delimiter"] == "|"
    assert log.frame.collect()["activity"].to_list() == ["call", "mail, fax"]


def test_explicit_delimiter_wins() -> None:
    df = read_csv(DATA / "bom.csv", CsvOptions(delimiter="|")).frame.collect()
    assert df.columns == ["Incident ID,Activity,Team"]
    assert df.height == 2


def test_quoted_fields() -> None:
    df = read_csv(DATA / "quoted.csv").frame.collect()
    assert df["comment"].to_list() == [
        "Hello, world",
        'She said "hi"',
        "line one\nline two",
        "semi;colon",
    ]
    assert df["amount"].to_list() == [3, 4, 5, 6]


def test_quote_char_none_disables_quoting(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text('id;text\n1;"as is"\n')
    df = read_csv(path, CsvOptions(quote_char=None)).frame.collect()
    assert df["text"].to_list() == ['"as is"']


def test_crlf_inside_and_outside_quotes() -> None:
    df = read_csv(DATA / "crlf.csv").frame.collect()
    assert df.columns == ["case", "activity", "note"]
    assert df["note"].to_list() == ["two\r\nlines", "plain"]
    assert df["activity"].to_list() == ["start", "end"]


def test_duplicate_names() -> None:
    log = read_csv(DATA / "duplicates.csv")
    df = log.frame.collect()
    # the second "x" cannot become "x_2": that name is taken by a real column
    assert df.columns == ["Case ID", "Variant", "Variant index", "Variant_2", "x", "x_3", "x_2"]
    assert df.row(0) == ("Case 1", "Variant 1", 1, "Variant 1", "a", "b", "c")
    assert finding(log, "duplicate-columns").count == 2


def test_empty_column_names() -> None:
    log = read_csv(DATA / "empty_columns.csv")
    df = log.frame.collect()
    assert df.columns == ["column_1", "Case", "Activity"]
    assert df["column_1"].to_list() == [1, 2]
    assert finding(log, "empty-columns-dropped").count == 3
    assert finding(log, "unnamed-columns").count == 1


def test_empty_rows_dropped_and_counted() -> None:
    log = read_csv(DATA / "empty_rows.csv")
    df = log.frame.collect()
    assert df.rows() == [("c1", "start", 1.5), ("c1", "end", 2.0), ("c2", "start", 3.0)]
    assert finding(log, "empty-rows-dropped").count == 3  # two ";;" rows and a blank line
    assert log.details["rows_read"] == 6
    assert log.details["rows"] == 3


def test_quoted_empty_strings_are_values(tmp_path: Path) -> None:
    path = tmp_path / "quoted_empty.csv"
    path.write_text('a,b\n"",""\n1,2\n')
    log = read_csv(path)
    assert log.frame.collect()["a"].to_list() == ["", "1"]
    assert "empty-rows-dropped" not in codes(log)


def test_short_rows_padded_and_counted() -> None:
    log = read_csv(DATA / "ragged_short.csv")
    df = log.frame.collect()
    assert df["resource"].to_list() == ["ann", None, "bob"]
    assert finding(log, "short-rows-padded").count == 1


def test_long_row_is_an_error_naming_the_line() -> None:
    with pytest.raises(InputError) as err:
        read_csv(DATA / "ragged_long.csv")
    assert err.value.message == (
        f"{DATA / 'ragged_long.csv'}: line 4: 3 fields, but the header has 2"
    )


def test_long_row_after_multiline_field(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text('a,b\n1,"x\ny"\n2,z,EXTRA\n')
    with pytest.raises(InputError, match=r"long\.csv: line 4: 3 fields"):
        read_csv(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('a,b\n1,x\n2,"abc\n3,y\n', "line 3: malformed CSV: unexpected end of data"),
        ('a,b\n1,x\n2,"ab"c\n', "line 3: malformed CSV: ',' expected after '\"'"),
        ('a,b\n1,x\n2,5" monitor\n', "line 3: quote character inside an unquoted field"),
    ],
)
def test_bad_quoting_names_the_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "quotes.csv"
    path.write_text(content)
    with pytest.raises(InputError) as err:
        read_csv(path)
    assert err.value.message == f"{path}: {message}"


def test_type_inference_rules() -> None:
    log = read_csv(DATA / "types.csv")
    df = log.frame.collect()
    assert df.schema == pl.Schema(
        {
            "id": pl.Int64,
            "customer": pl.String,  # 007: an identifier
            "flag": pl.Boolean,  # any case
            "big": pl.String,  # beyond Int64: every digit kept
            "amount": pl.Float64,
            "count": pl.Int64,
            "neg": pl.String,  # -01
        }
    )
    assert df["customer"].to_list() == ["007", "042", "100"]
    assert df["flag"].to_list() == [True, False, True]
    assert df["big"][0] == "12345678901234567890"
    assert df["amount"].to_list() == [1.5, 2.0, None]
    assert set(finding(log, "leading-zeros-kept").message.split(": ")[1].split(", ")) == {
        "customer",
        "neg",
    }


def _big_table(tmp_path: Path, late_line: str, rows: int = 6000) -> Path:
    """A file larger than the detection sample whose last row is ``late_line``."""
    path = tmp_path / "big.csv"
    body = "".join(f"c{i},{i},{i % 7}.5,true,{i:05d}x\n" for i in range(rows))
    path.write_text("case,n,f,b,id\n" + body + late_line)
    assert path.stat().st_size > SAMPLE_BYTES
    return path


@pytest.mark.parametrize(
    ("late_line", "column", "dtype", "value"),
    [
        ("cz,1,1.5,true,x\n", "n", pl.Int64, 1),
        ("cz,007,1.5,true,x\n", "n", pl.String, "007"),  # leading zero after the sample
        ("cz,n/a,1.5,true,x\n", "n", pl.String, "n/a"),
        ("cz,7.5,1.5,true,x\n", "n", pl.Float64, 7.5),
        ("cz,1,2,TRUE,x\n", "b", pl.Boolean, True),
        ("cz,1,2,yes,x\n", "b", pl.String, "yes"),
        ("cz,1,2,tRuE,x\n", "b", pl.Boolean, True),
        ('cz,1,"3,25",true,x\n', "f", pl.String, "3,25"),  # mixed dot and comma: text
    ],
)
def test_types_use_every_row_not_just_the_first(
    tmp_path: Path, late_line: str, column: str, dtype: pl.DataType, value: object
) -> None:
    df = read_csv(_big_table(tmp_path, late_line)).frame.collect()
    assert df.height == 6001
    assert df.schema[column] == dtype
    assert df[column][-1] == value


def test_decimal_comma_after_the_first_rows(tmp_path: Path) -> None:
    lines = "".join(f"{i};{i}\n" for i in range(10_000))
    path = tmp_path / "late_comma.csv"
    path.write_text("id;hours\n" + lines + "x;0,25\n")
    df = read_csv(path).frame.collect()
    assert df.schema["hours"] == pl.Float64
    assert df["hours"][-1] == 0.25 and df["hours"][3] == 3.0


def test_all_null_in_head_typed_from_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "late_values.csv"
    path.write_text("a,b\n" + "x,\n" * 5000 + "y,42\n")
    df = read_csv(path).frame.collect()
    assert df.schema["b"] == pl.Int64
    assert df["b"].drop_nulls().to_list() == [42]


def test_non_utf8_byte_after_the_sample_falls_back(tmp_path: Path) -> None:
    path = tmp_path / "late_latin1.csv"
    body = "".join(f"c{i},step {i}\n" for i in range(8000))
    path.write_bytes(("case,activity\n" + body).encode() + "cZ,Prüfung\n".encode("cp1252"))
    log = read_csv(path)
    assert log.details["encoding"] == "utf-8+cp1252"  # UTF-8, one sequence read as cp1252
    assert "mixed-encoding" in codes(log)
    assert log.frame.collect()["activity"][-1] == "Prüfung"


def test_non_utf8_after_the_sample_with_explicit_utf8(tmp_path: Path) -> None:
    path = tmp_path / "late_latin1.csv"
    body = "".join(f"c{i},step {i}\n" for i in range(8000))
    path.write_bytes(("case,activity\n" + body).encode() + "cZ,Prüfung\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"line 8002, column 6: byte 0xfc is not valid utf-8"):
        read_csv(path, CsvOptions(encoding="utf-8"))


def test_utf16_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("case;activity\r\nc1;Prüfung\r\n".encode("utf-16"))
    log = read_csv(path)
    assert log.details["encoding"] == "utf-16"
    assert log.frame.collect().rows() == [("c1", "Prüfung")]


# --------------------------------------------------------------------------------------------
# Errors: one line each, naming the file
# --------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.csv"
    with pytest.raises(InputError) as err:
        read_csv(path)
    assert err.value.message == f"{path}: no such file"


def test_directory_given_as_csv(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_csv(tmp_path)
    assert err.value.message == f"{tmp_path}: is a directory, not a CSV file"


def test_empty_file() -> None:
    with pytest.raises(InputError) as err:
        read_csv(DATA / "empty.csv")
    assert err.value.message == f"{DATA / 'empty.csv'}: file is empty (no header, no rows)"


def test_header_only() -> None:
    with pytest.raises(InputError) as err:
        read_csv(DATA / "header_only.csv")
    assert err.value.message == f"{DATA / 'header_only.csv'}: empty log: header only, no data rows"


def test_only_empty_rows(tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    path.write_text("a;b\n;\n;\n")
    with pytest.raises(InputError, match=r"empty log: all 2 data rows are empty"):
        read_csv(path)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(random.Random(7).randbytes(4096))
    with pytest.raises(InputError) as err:
        read_csv(path)
    assert err.value.message == f"{path}: binary data, not a CSV text file"


def test_zip_archive(tmp_path: Path) -> None:
    path = tmp_path / "log.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(InputError, match="zip archive"):
        read_csv(path)


def test_truncated_gzip(tmp_path: Path) -> None:
    path = tmp_path / "cut.csv.gz"
    path.write_bytes((DATA / "german_export.csv.gz").read_bytes()[:40])
    with pytest.raises(InputError, match=r"cut\.csv\.gz: corrupt or truncated gzip data"):
        read_csv(path)


def test_bad_delimiter_option() -> None:
    with pytest.raises(InputError, match="delimiter must be one character"):
        read_csv(DATA / "bom.csv", CsvOptions(delimiter=";;"))


def test_error_messages_are_one_line(tmp_path: Path) -> None:
    for path in [DATA / "empty.csv", DATA / "header_only.csv", DATA / "ragged_long.csv"]:
        with pytest.raises(InputError) as err:
            read_csv(path)
        assert "\n" not in str(err.value)
        assert str(err.value).startswith(str(path))


# --------------------------------------------------------------------------------------------
# Parquet
# --------------------------------------------------------------------------------------------


def _write_parts(root: Path) -> None:
    ts = pl.datetime(2024, 1, 1, time_zone="UTC")
    for name, start in [("part-10.parquet", 10), ("part-2.parquet", 2), ("sub/part-3.parquet", 3)]:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        pl.select(
            n=pl.int_range(start, start + 3, dtype=pl.Int64), t=ts.dt.offset_by(f"{start}h")
        ).write_parquet(path)


def test_parquet_directory_in_sorted_path_order(tmp_path: Path) -> None:
    _write_parts(tmp_path)
    log = read_parquet(tmp_path)
    df = log.frame.collect()
    # part-10 < part-2 < sub/part-3 (path order, not numeric)
    assert df["n"].to_list() == [10, 11, 12, 2, 3, 4, 3, 4, 5]
    assert df.schema["t"] == pl.Datetime("us", "UTC")
    assert log.details["files"] == 3


def test_parquet_glob(tmp_path: Path) -> None:
    _write_parts(tmp_path)
    df = read_parquet(str(tmp_path / "*.parquet")).frame.collect()
    assert df["n"].to_list() == [10, 11, 12, 2, 3, 4]
    df = read_parquet(str(tmp_path / "**" / "*.parquet")).frame.collect()
    assert df.height == 9


def test_parquet_hive_partitions(tmp_path: Path) -> None:
    for year in (2023, 2024):
        part = tmp_path / f"year={year}"
        part.mkdir()
        pl.DataFrame({"case": [f"c{year}a", f"c{year}b"]}).write_parquet(part / "data.parquet")
    df = read_parquet(tmp_path).frame.collect()
    assert df["case"].to_list() == ["c2023a", "c2023b", "c2024a", "c2024b"]
    assert df["year"].to_list() == [2023, 2023, 2024, 2024]


def test_parquet_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_parquet(tmp_path / "missing.parquet")
    assert err.value.message == f"{tmp_path / 'missing.parquet'}: no such file or directory"
    with pytest.raises(InputError, match="no file matches"):
        read_parquet(str(tmp_path / "*.parquet"))
    with pytest.raises(InputError, match=r"contains no \*\.parquet files"):
        read_parquet(tmp_path)
    with pytest.raises(InputError) as err:
        read_parquet(DATA / "quoted.csv")
    assert err.value.message == f"{DATA / 'quoted.csv'}: not a Parquet file"
    fake = tmp_path / "fake.parquet"
    fake.write_bytes(b"PAR1" + b"\x00" * 20 + b"PAR1")
    with pytest.raises(InputError, match=r"fake\.parquet: cannot read as Parquet"):
        read_parquet(fake)


# --------------------------------------------------------------------------------------------
# Round trip: whatever polars writes, read_csv reads back
# --------------------------------------------------------------------------------------------

_AWKWARD = st.text(
    alphabet=st.one_of(
        st.sampled_from([*",;\t|\"'\n\r ", "ä", "€", "日", "😀", "\u00a0"]),
        st.characters(exclude_categories=("Cs", "Cc")),
    ),
    max_size=12,
)


@st.composite
def tables(draw: st.DrawFn) -> pl.DataFrame:
    """Small tables of string/int/float columns; each string column has one real word."""
    n_rows = draw(st.integers(1, 8))
    n_cols = draw(st.integers(1, 5))
    columns: dict[str, pl.Series] = {}
    for i in range(n_cols):
        kind = draw(st.sampled_from(["str", "int", "float"]))
        name = f"col{i}_{kind}"
        if kind == "str":
            values: list[object] = draw(
                st.lists(st.none() | _AWKWARD, min_size=n_rows, max_size=n_rows)
            )
            values[0] = "word " + str(values[0] or "")
            columns[name] = pl.Series(name, values, dtype=pl.String)
        elif kind == "int":
            ints = st.integers(-(2**63), 2**63 - 1)
            values = draw(st.lists(st.none() | ints, min_size=n_rows, max_size=n_rows))
            values[0] = draw(ints)
            columns[name] = pl.Series(name, values, dtype=pl.Int64)
        else:
            floats = st.floats(allow_nan=False, allow_infinity=False)
            values = draw(st.lists(st.none() | floats, min_size=n_rows, max_size=n_rows))
            values[0] = draw(floats)
            columns[name] = pl.Series(name, values, dtype=pl.Float64)
    return pl.DataFrame(list(columns.values()))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(df=tables(), separator=st.sampled_from([",", ";", "\t"]))
def test_round_trip(tmp_path: Path, df: pl.DataFrame, separator: str) -> None:
    assume(not df.select(pl.all_horizontal(pl.all().is_null()).any()).item())
    path = tmp_path / "round.csv"
    df.write_csv(path, separator=separator)
    back = read_csv(path).frame.collect()
    assert_frame_equal(back, df, check_exact=False, rel_tol=1e-12, abs_tol=0.0)


_TOKENS = st.sampled_from(
    ["1", "-3", "+5", " 5", "007", "-01", "00", "0", "-0", "2.5", "0.5", "-0.0", "1e3", "1,5",
     "0,0", "1.234,5", "12.500", "1.234.567", "true", "FALSE", "tRuE", "yes", "x",
     "99999999999999999999", "inf", "NaN", ""]
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=st.lists(st.lists(_TOKENS, min_size=3, max_size=3), min_size=2, max_size=6))
def test_long_file_typed_like_short_file(tmp_path: Path, rows: list[list[str]]) -> None:
    """Differential: the cheap path for long files (types guessed on the first rows, then
    verified over the whole column) must type every column as the exhaustive path does."""
    assume(all(any(cell for cell in row) for row in rows))
    header = "a;b;c\n"
    short, long = tmp_path / "short.csv", tmp_path / "long.csv"
    lines = [";".join(row) + "\n" for row in rows]
    short.write_text(header + "".join(lines))
    long.write_text(header + lines[0] * 2500 + "".join(lines[1:]))
    small = read_csv(short).frame.collect()
    big = read_csv(long).frame.collect()
    assert big.schema == small.schema
    assert_frame_equal(big.tail(len(rows) - 1), small.tail(len(rows) - 1))
    assert_frame_equal(big.head(1), small.head(1))


def test_round_trip_gz_and_crlf(tmp_path: Path) -> None:
    df = pl.DataFrame({"case": ["a", "b"], "note": ["x\r\ny", "z"], "n": [1, 2]})
    text = df.write_csv(line_terminator="\r\n")
    path = tmp_path / "rt.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    assert_frame_equal(read_csv(path).frame.collect(), df)


def test_frame_is_lazy_and_in_input_order() -> None:
    log = read_csv(DATA / "quoted.csv")
    assert isinstance(log.frame, pl.LazyFrame)
    assert log.frame.collect()["id"].to_list() == [1, 2, 3, 4]
    assert log.source == str(DATA / "quoted.csv")
