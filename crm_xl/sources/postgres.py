"""PostgreSQL sources through psycopg 3 (libpq), read-only.

The password is libpq's business: the PGPASSWORD environment variable or ~/.pgpass
(PGPASSFILE); when the server asks for one and neither has it, the system keyring
(:mod:`crm_xl.sources.secrets`, ``crm-xl password URL``). A URL holding one is refused
before we get here (:func:`crm_xl.sources.parse_source_url`). Connection failures are told apart by libpq's
message: server unreachable, wrong or missing password, unknown database or user.
"""

from __future__ import annotations

__all__ = ["connect"]

from ..errors import InputError
from . import Connection, _first_line, missing_driver

_CONNECT_TIMEOUT = 10  # seconds, unless the URL says otherwise (connect_timeout=...)


class PostgresConnection(Connection):
    what_zh = what_en = "PostgreSQL"
    dialect = "postgres"

    list_sql = (
        "SELECT table_schema, table_name, table_schema = ANY (current_schemas(false)) FROM information_schema.tables "
        "WHERE table_schema NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY table_schema = ANY (current_schemas(false)) DESC, array_position(current_schemas(false), "
        "table_schema::name), table_schema, table_name")


def _no_password(exc: BaseException) -> bool:
    low = str(exc).lower()
    return "no password supplied" in low or "password is required" in low


def _reason(exc: BaseException, keyring=None) -> tuple[str, str]:
    """(zh, en) reason of a failed connection; ``keyring``: what the system keyring said when
    the server wanted a password ("used": its password was sent, "none": it holds none for
    the URL, a :class:`~crm_xl.sources.secrets.KeyringUnavailable`: it cannot be asked)."""
    text = str(exc)
    low = text.lower()
    if "password authentication failed" in low:
        if keyring == "used":
            return ("用户名或密码错误（密码来自系统密钥环：请用 crm-xl password 地址 重新存入）",
                    "wrong user name or password (the password comes from the system keyring: store it again with "
                    "crm-xl password URL)")
        return ("用户名或密码错误（密码来自环境变量 PGPASSWORD 或 ~/.pgpass 文件）",
                "wrong user name or password (the password comes from PGPASSWORD or ~/.pgpass)")
    if _no_password(exc):
        zh, en = (f"（{keyring.zh}）", f" ({keyring.en})") if isinstance(keyring, Exception) else ("", "")
        return ("服务器要求密码：请设置环境变量 PGPASSWORD、在 ~/.pgpass 文件中写入密码，或用 crm-xl password 地址 "
                "存入系统密钥环" + zh,
                "the server asks for a password: set the PGPASSWORD environment variable, put it in ~/.pgpass, or "
                "store it in the system keyring with crm-xl password URL" + en)
    if "does not exist" in low and "database" in low:
        return f"数据库不存在（{_first_line(exc)}）", f"the database does not exist ({_first_line(exc)})"
    if "does not exist" in low and "role" in low:
        return f"用户不存在（{_first_line(exc)}）", f"the user does not exist ({_first_line(exc)})"
    if any(s in low for s in ("connection refused", "could not connect", "timeout expired", "could not translate host",
                              "no such file or directory", "name or service not known", "connection timed out",
                              "network is unreachable", "no route to host")):
        return ("无法连接服务器（服务器没有运行，或主机、端口写错了）",
                "the server cannot be reached (it is not running, or the host or port is wrong)")
    return _first_line(exc), _first_line(exc)


def connect(url: str, label: str) -> PostgresConnection:
    try:
        import psycopg
    except ImportError:
        raise missing_driver("PostgreSQL", "psycopg") from None
    kw = {} if "connect_timeout" in url else {"connect_timeout": _CONNECT_TIMEOUT}
    keyring = None
    try:
        try:
            con = psycopg.connect(url, autocommit=False, **kw)
        except psycopg.Error as e:
            if not _no_password(e):
                raise
            password, keyring = _keyring_password(url)
            if password is None:
                raise
            con = psycopg.connect(url, autocommit=False, password=password, **kw)
        con.read_only = True
    except psycopg.Error as e:
        zh, en = _reason(e, keyring)
        raise InputError(f"无法连接数据源 {label}：{zh}。", f"cannot connect to the source {label}: {en}.") from None
    c = PostgresConnection(label, con)
    c.errors = (psycopg.Error,)
    return c


def _keyring_password(url: str):
    """(the system keyring's password for ``url`` or None, what the keyring said: see _reason)."""
    from .secrets import KeyringUnavailable, lookup

    try:
        password = lookup(url)
    except KeyringUnavailable as e:
        return None, e
    return password, "none" if password is None else "used"
