"""Splitting SQL scripts into statements and binding ``:name`` parameters."""

from __future__ import annotations

import pytest

from lanner.tasks.jdbc.sqltext import bind_named, split_statements

TRIGGER = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO log VALUES (1); UPDATE c SET n = n + 1; END"
TRIGGER_WITH_CASE = ("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT CASE WHEN 1 THEN 2 END; "
                     "INSERT INTO l VALUES (1); END")


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"]),
        ("SELECT 1", ["SELECT 1"]),
        ("  ;; \n ; ", []),
        ("SELECT 'a;b'; SELECT 'it''s; ok'", ["SELECT 'a;b'", "SELECT 'it''s; ok'"]),
        ("SELECT E'it\\'s; ok'; SELECT 2", ["SELECT E'it\\'s; ok'", "SELECT 2"]),
        ('SELECT "odd;name" FROM t; SELECT 2', ['SELECT "odd;name" FROM t', "SELECT 2"]),
        ("SELECT 1 -- no; split\n; SELECT 2", ["SELECT 1 -- no; split", "SELECT 2"]),
        ("SELECT /* a; /* nested; */ b; */ 1; SELECT 2", ["SELECT /* a; /* nested; */ b; */ 1", "SELECT 2"]),
        ("-- only a comment;\n", []),
        ("SELECT 1;\n-- trailing comment", ["SELECT 1"]),
        ("DO $$ BEGIN PERFORM 1; END $$; SELECT 2", ["DO $$ BEGIN PERFORM 1; END $$", "SELECT 2"]),
        ("CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql; SELECT f()",
         ["CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql", "SELECT f()"]),
        ("SELECT $1::int; SELECT a$b$c FROM t", ["SELECT $1::int", "SELECT a$b$c FROM t"]),
        (TRIGGER + "; SELECT 1", [TRIGGER, "SELECT 1"]),
        (TRIGGER_WITH_CASE + "; SELECT 3", [TRIGGER_WITH_CASE, "SELECT 3"]),
        ("BEGIN; INSERT INTO t VALUES (1); COMMIT;", ["BEGIN", "INSERT INTO t VALUES (1)", "COMMIT"]),
        ("BEGIN TRANSACTION; SELECT 1; END;", ["BEGIN TRANSACTION", "SELECT 1", "END"]),
        ("SELECT CASE WHEN x THEN 1 END FROM t; SELECT 2",
         ["SELECT CASE WHEN x THEN 1 END FROM t", "SELECT 2"]),
        ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END; SELECT 3",
         ["CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END", "SELECT 3"]),
        ("INSTALL json;\nLOAD json;\nSELECT brand FROM read_json_auto('/w/products.json');\n",
         ["INSTALL json", "LOAD json", "SELECT brand FROM read_json_auto('/w/products.json')"]),
        ("SELECT 'unterminated; SELECT 2", ["SELECT 'unterminated; SELECT 2"]),
    ],
)
def test_split_statements(sql, expected):
    assert split_statements(sql) == expected


def test_course_merge_statement_stays_whole():
    sql = """MERGE INTO public.t AS T
USING public.s AS S
ON T.unique_row_id = S.unique_row_id
WHEN NOT MATCHED THEN
  INSERT (a, b) VALUES (S.a, S.b);
"""
    assert split_statements(sql) == [sql.strip().rstrip(";")]


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("pyformat", "SELECT %(a)s::int, ':a', x::text, '100%%' -- :a\nWHERE b = %(b)s AND c = :c"),
        ("dollar", "SELECT $a::int, ':a', x::text, '100%' -- :a\nWHERE b = $b AND c = :c"),
        ("colon", "SELECT :a::int, ':a', x::text, '100%' -- :a\nWHERE b = :b AND c = :c"),
    ],
)
def test_bind_named_only_touches_real_placeholders(style, expected):
    sql = "SELECT :a::int, ':a', x::text, '100%' -- :a\nWHERE b = :b AND c = :c"
    assert bind_named(sql, {"a": 1, "b": 2}, style) == expected


def test_bind_named_in_dollar_quotes_and_identifiers():
    sql = 'SELECT $$:a$$, ":a", :a'
    assert bind_named(sql, {"a": 1}, "dollar") == 'SELECT $$:a$$, ":a", $a'
