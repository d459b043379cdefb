"""SQLite sources (the standard library's sqlite3), opened read-only."""

from __future__ import annotations

__all__ = ["connect"]

import pathlib
import sqlite3
from urllib.parse import quote

from ..errors import InputError
from . import Connection


class SqliteConnection(Connection):
    what_zh = what_en = "SQLite"
    dialect = "sqlite"
    errors = (sqlite3.Error,)
    temp_tables = True

    def _list(self):
        cur = self._execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")
        return [(None, r[0], True) for r in cur.fetchall()]


def connect(path: str, label: str) -> SqliteConnection:
    p = pathlib.Path(path)
    if not p.is_file():
        raise InputError(f"找不到 SQLite 数据库文件：{p}（数据源 {label}）", f"SQLite database file not found: {p} (source {label})")
    try:
        con = sqlite3.connect(f"file:{quote(str(p.resolve()))}?mode=ro", uri=True)
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # "file is not a database" shows here
    except sqlite3.Error as e:
        raise InputError(f"无法打开 SQLite 数据库 {label}（{e}）。", f"cannot open the SQLite database {label} ({e}).") from None
    return SqliteConnection(label, con)
