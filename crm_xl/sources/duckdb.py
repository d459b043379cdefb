"""DuckDB files and Parquet files or folders, read through duckdb (no pyarrow needed).

A Parquet source is an in-memory DuckDB database with one view per table: a ``.parquet``
file is a table named by its stem; in a folder, every ``.parquet`` file is one and every
sub-folder holding Parquet files (a partitioned data set) is one, named by the folder. A
``--query`` refers to these views by name (``SELECT ... FROM orders``).
"""

from __future__ import annotations

__all__ = ["connect", "connect_parquet"]

import pathlib

from ..errors import InputError
from . import Connection, missing_driver


def _duckdb():
    try:
        import duckdb
    except ImportError:
        raise missing_driver("DuckDB / Parquet", "duckdb") from None
    return duckdb


class DuckdbConnection(Connection):
    what_zh = what_en = "DuckDB"
    dialect = "duckdb"
    temp_tables = True

    list_sql = (
        "SELECT table_schema, table_name, table_schema = current_schema() FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema NOT IN ('information_schema', 'pg_catalog') "
        "ORDER BY table_schema = current_schema() DESC, table_schema, table_name")

    def session(self):
        """Every query on one cursor (a DuckDB cursor is a connection of its own: a temporary
        table is seen only by the cursor that made it)."""
        cur = self.con.cursor()
        return lambda sql: cur.execute(sql).fetchall()


def connect(path: str, label: str) -> DuckdbConnection:
    duckdb = _duckdb()
    p = pathlib.Path(path)
    if not p.is_file():
        raise InputError(f"找不到 DuckDB 数据库文件：{p}（数据源 {label}）", f"DuckDB database file not found: {p} (source {label})")
    try:
        con = duckdb.connect(str(p), read_only=True)
    except duckdb.Error as e:
        raise InputError(f"无法打开 DuckDB 数据库 {label}（{str(e).splitlines()[0]}）。",
                         f"cannot open the DuckDB database {label} ({str(e).splitlines()[0]}).") from None
    con.execute("SET enable_progress_bar = false")  # (DuckDB draws one on stdout for a long query)
    c = DuckdbConnection(label, con)
    c.errors = (duckdb.Error,)
    return c


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _parquet_tables(p: pathlib.Path) -> list[tuple[str, str]]:
    """(table name, read_parquet glob) of a Parquet file or folder."""
    if p.is_file():
        return [(p.stem, str(p))]
    out: dict[str, str] = {}
    for child in sorted(p.iterdir()):
        if child.is_file() and child.suffix.lower() == ".parquet":
            out.setdefault(child.stem, str(child))
        elif child.is_dir() and next(child.rglob("*.parquet"), None) is not None:
            out.setdefault(child.name, str(child / "**" / "*.parquet"))
    return list(out.items())


def connect_parquet(path: str, label: str) -> DuckdbConnection:
    duckdb = _duckdb()
    p = pathlib.Path(path)
    if not p.exists():
        raise InputError(f"找不到 Parquet 文件或文件夹：{p}", f"Parquet file or folder not found: {p}")
    tables = _parquet_tables(p)
    if not tables:
        raise InputError(f"文件夹「{p}」中没有 Parquet 文件（.parquet）。", f"the folder '{p}' holds no Parquet files (.parquet).")
    con = duckdb.connect(":memory:")
    con.execute("SET enable_progress_bar = false")
    try:
        for name, glob in tables:
            con.execute(f'CREATE VIEW "{name.replace(chr(34), chr(34) * 2)}" AS '
                        f"SELECT * FROM read_parquet({_literal(glob)}, union_by_name = true)")
    except duckdb.Error as e:
        con.close()
        raise InputError(f"无法读取 Parquet 数据 {label}（{str(e).splitlines()[0]}）。",
                         f"cannot read the Parquet data {label} ({str(e).splitlines()[0]}).") from None
    c = DuckdbConnection(label, con)
    c.what_zh = c.what_en = "Parquet"
    c.errors = (duckdb.Error,)
    return c
