"""The head-office test server itself (tests/hq_pg.py): a fresh empty database per test."""

from __future__ import annotations

from typing import Any


def test_fresh_database_is_empty_and_writable(hq_conn: Any) -> None:
    tables = hq_conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0]
    assert tables == 0
    hq_conn.execute("CREATE TABLE t (x int)")
    hq_conn.execute("INSERT INTO t VALUES (1)")
    hq_conn.commit()
    assert hq_conn.execute("SELECT x FROM t").fetchall() == [(1,)]


def test_each_test_gets_its_own_database(hq_conn: Any) -> None:
    # The table the test above made is not here.
    assert hq_conn.execute("SELECT to_regclass('public.t')").fetchone()[0] is None


def test_url_signs_in_with_a_password(hq_url: str) -> None:
    import psycopg
    import pytest

    wrong = hq_url.replace(":hq-test-s3cret@", ":wrong@")
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(wrong, connect_timeout=5)
