"""Passwords from the system keyring (issue 19): ``crm-xl password URL`` stores one, and a
PostgreSQL source (native or through ibis) that needs a password PGPASSWORD and ~/.pgpass do
not give finds it there.

The keyring is an in-memory backend set by the test (``keyring.set_keyring``), never the
machine's own. The PostgreSQL tests use the throwaway server of tests/test_sources.py; the data
read with the keyring's password is compared with the data read with PGPASSWORD.
"""

from __future__ import annotations

import sys

import pytest

from crm_xl.cli import main
from crm_xl.errors import InputError
from crm_xl.sources.secrets import SERVICE, keyring_user
from tests.test_sources import PG_PASSWORD, PgServer, load, started_pg_server  # noqa: F401 - PgServer: the pg fixture's


def test_keyring_user_is_the_url_without_secrets():
    want = "postgresql://analyst@db.example.com:5432/crm"
    assert keyring_user(want) == want
    for url in ("postgres://analyst@DB.example.com:5432/crm?sslmode=require", "ibis+postgres://analyst@db.example.com:5432/crm",
                "POSTGRESQL://analyst@db.example.com:5432/crm#x"):
        assert keyring_user(url) == want
    assert keyring_user("ibis+snowflake://analyst@account/crm/public?warehouse=wh") == "snowflake://analyst@account/crm/public"


@pytest.fixture
def memory_keyring():
    """An in-memory keyring, set for the test and the previous one restored after it."""
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend
    from keyring.errors import PasswordDeleteError

    class MemoryKeyring(KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.entries: dict[tuple[str, str], str] = {}

        def get_password(self, service, username):
            return self.entries.get((service, username))

        def set_password(self, service, username, password):
            self.entries[(service, username)] = password

        def delete_password(self, service, username):
            if self.entries.pop((service, username), None) is None:
                raise PasswordDeleteError(username)

    old = keyring.get_keyring()
    ring = MemoryKeyring()
    keyring.set_keyring(ring)
    try:
        yield ring
    finally:
        keyring.set_keyring(old)


def _typed(monkeypatch, *answers: str) -> list[str]:
    """getpass answers ``answers`` in turn; returns the prompts it was given."""
    import getpass

    prompts: list[str] = []
    it = iter(answers)

    def fake(prompt=""):
        prompts.append(prompt)
        return next(it)

    monkeypatch.setattr(getpass, "getpass", fake)
    return prompts


# ----------------------------------------------------------------------------------------
# crm-xl password
# ----------------------------------------------------------------------------------------

URL = "postgresql://analyst@db.example.com:5432/crm"


def test_password_command_stores_and_deletes(memory_keyring, monkeypatch, capsys):
    prompts = _typed(monkeypatch, "s3cret", "s3cret")
    assert main(["password", URL + "?sslmode=require"]) == 0
    assert memory_keyring.entries == {(SERVICE, URL): "s3cret"}
    assert len(prompts) == 2 and URL in prompts[0]
    out = capsys.readouterr()
    assert f"已将 {URL} 的密码存入系统密钥环" in out.out and "s3cret" not in out.out + out.err
    assert main(["password", "ibis+postgres://analyst@db.example.com:5432/crm", "--delete", "--lang", "en"]) == 0
    assert memory_keyring.entries == {}
    assert f"removed the password of {URL}" in capsys.readouterr().out


def test_password_command_refuses(memory_keyring, monkeypatch, capsys):
    _typed(monkeypatch, "one", "two")
    assert main(["password", URL]) == 2
    assert "两次输入的密码不一致，未保存" in capsys.readouterr().err
    _typed(monkeypatch, "")
    assert main(["password", URL, "--lang", "en"]) == 2
    assert "no password typed; nothing stored" in capsys.readouterr().err
    assert main(["password", "postgresql://analyst:hunter2@db.example.com/crm"]) == 2
    err = capsys.readouterr().err
    assert "不接受地址中的密码" in err and "hunter2" not in err
    assert main(["password", "sqlite:///srv/crm.db"]) == 2
    assert "不使用密码" in capsys.readouterr().err
    assert memory_keyring.entries == {}


def test_password_command_without_keyring_or_backend(monkeypatch, capsys):
    keyring = pytest.importorskip("keyring")
    from keyring.backends import fail

    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        _typed(monkeypatch, "pw", "pw")
        assert main(["password", URL, "--lang", "en"]) == 2
    finally:
        keyring.set_keyring(old)
    assert capsys.readouterr().err.startswith("the system keyring is not usable (")
    _typed(monkeypatch, "pw", "pw")
    monkeypatch.setitem(sys.modules, "keyring", None)  # as if not installed
    assert main(["password", URL]) == 2
    assert capsys.readouterr().err.strip() == ("没有安装 Python 包 keyring，无法使用系统密钥环。请运行："
                                               'pip install "crm_xl[keyring]"')


# ----------------------------------------------------------------------------------------
# PostgreSQL with the keyring's password
# ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pg_server():
    """A throwaway server holding a small table (tests/test_sources.py's PgServer)."""
    from crm_xl.demo import generate_demo

    server, psycopg = started_pg_server()
    try:
        with psycopg.connect(server.url("postgres"), password=PG_PASSWORD, autocommit=True) as con:
            con.execute("CREATE DATABASE crm_test")
        with psycopg.connect(server.url(), password=PG_PASSWORD) as con:
            demo = generate_demo(40)
            load(con, "postgres", {"customers": demo["customers"], "orders": demo["orders"]})
        yield server
    finally:
        server.stop()


def _read(url: str):
    from crm_xl.sources import SourceSpec, read_source

    got = read_source(SourceSpec(url))
    return {k: [t.frame.to_dict("split") for t in v] for k, v in got.items()}


@pytest.fixture
def no_pg_password(monkeypatch, tmp_path):
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


@pytest.mark.postgres
def test_postgres_password_from_the_keyring(pg_server, memory_keyring, no_pg_password, monkeypatch):
    url = pg_server.url()
    with pytest.raises(InputError) as e:
        _read(url)
    assert "服务器要求密码" in e.value.zh and "crm-xl password" in e.value.zh
    memory_keyring.set_password(SERVICE, keyring_user(url), "wrong")
    with pytest.raises(InputError) as e:
        _read(url)
    assert e.value.zh.startswith(f"无法连接数据源 {url}：用户名或密码错误（密码来自系统密钥环")
    _typed(monkeypatch, PG_PASSWORD, PG_PASSWORD)
    assert main(["password", url]) == 0
    got = _read(url)
    monkeypatch.setenv("PGPASSWORD", PG_PASSWORD)
    assert got == _read(url) and len(got["orders"][0]["data"]) > 0


@pytest.mark.postgres
def test_postgres_without_a_keyring_backend_says_so(pg_server, no_pg_password):
    keyring = pytest.importorskip("keyring")
    from keyring.backends import fail

    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        with pytest.raises(InputError) as e:
            _read(pg_server.url())
    finally:
        keyring.set_keyring(old)
    assert "服务器要求密码" in e.value.zh and "系统密钥环不可用" in e.value.zh
    assert "the system keyring is not usable" in e.value.en


@pytest.mark.postgres
def test_ibis_postgres_password_from_the_keyring(pg_server, memory_keyring, no_pg_password):
    pytest.importorskip("ibis")
    url = pg_server.url()
    memory_keyring.set_password(SERVICE, keyring_user(url), PG_PASSWORD)
    got = _read("ibis+" + url)
    assert got == _read(url) and len(got["customers"][0]["data"]) > 0
