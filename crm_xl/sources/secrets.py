"""Passwords from the system keyring (the optional ``keyring`` package), never from a file.

A source that needs a password and finds none where its driver looks (PostgreSQL:
PGPASSWORD, ~/.pgpass) asks the system keyring (macOS Keychain, Windows Credential Locker,
the Secret Service on Linux): service :data:`SERVICE`, user name :func:`keyring_user` of the
URL, e.g. ``postgresql://analyst@db.example.com:5432/crm``. ``crm-xl password URL`` stores
one there (:mod:`crm_xl.cli.password`). crm_xl never writes a password anywhere else: it is
handed to the driver and forgotten.

``keyring`` is imported lazily (``pip install "crm_xl[keyring]"``); without it, or without a
usable keyring backend, :func:`lookup` raises :class:`KeyringUnavailable` with the reason in
zh/en, for the caller to put into its own message.
"""

from __future__ import annotations

__all__ = ["SERVICE", "KeyringUnavailable", "keyring_user", "lookup", "store", "forget"]

from urllib.parse import urlsplit, urlunsplit

from ..errors import InputError

SERVICE = "crm_xl"
INSTALL = 'pip install "crm_xl[keyring]"'


class KeyringUnavailable(Exception):
    """The keyring cannot be asked: the package is missing or has no usable backend."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en

    def as_input_error(self) -> InputError:
        return InputError(self.zh, self.en)


def keyring_user(url: str) -> str:
    """The keyring entry's user name for ``url``: the URL without a password, its query and
    fragment, without the ``ibis+`` prefix, with a lower-case scheme and host and
    ``postgres`` spelled ``postgresql`` (the same server, user and database share one entry
    whichever way the URL reaches them)."""
    text = str(url).strip()
    if text.lower().startswith("ibis+"):
        text = text[len("ibis+"):]
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    scheme = "postgresql" if scheme == "postgres" else scheme
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = (f"{parts.username}@" if parts.username else "") + host + (f":{port}" if port is not None else "")
    return urlunsplit((scheme, netloc, parts.path, "", ""))


def _keyring():
    try:
        import keyring
        import keyring.errors
    except ImportError:
        raise KeyringUnavailable(f"没有安装 Python 包 keyring，无法使用系统密钥环。请运行：{INSTALL}",
                                 f"the Python package keyring is not installed, so the system keyring cannot be "
                                 f"used. Run: {INSTALL}") from None
    return keyring


def _unusable(exc: BaseException) -> KeyringUnavailable:
    reason = (str(exc).strip() or type(exc).__name__).splitlines()[0]
    return KeyringUnavailable(
        f"系统密钥环不可用（{reason}）。请为 keyring 安装或配置一个后端（见 keyring 的说明），或改用其他方式提供密码",
        f"the system keyring is not usable ({reason}). Install or configure a keyring backend (see keyring's "
        "documentation), or give the password another way")


def lookup(url: str) -> str | None:
    """The password stored for ``url`` (:func:`keyring_user`), or None when there is none.

    Raises :class:`KeyringUnavailable` when keyring is not installed or has no usable backend."""
    keyring = _keyring()
    try:
        return keyring.get_password(SERVICE, keyring_user(url))
    except keyring.errors.KeyringError as e:
        raise _unusable(e) from None


def store(url: str, password: str) -> str:
    """Store ``password`` for ``url`` in the system keyring; returns the entry's user name.

    Raises :class:`KeyringUnavailable` when keyring is not installed or has no usable backend."""
    keyring = _keyring()
    user = keyring_user(url)
    try:
        keyring.set_password(SERVICE, user, password)
    except keyring.errors.KeyringError as e:
        raise _unusable(e) from None
    return user


def forget(url: str) -> bool:
    """Remove the password stored for ``url``; False when there was none."""
    keyring = _keyring()
    try:
        keyring.delete_password(SERVICE, keyring_user(url))
    except keyring.errors.PasswordDeleteError:
        return False
    except keyring.errors.KeyringError as e:
        raise _unusable(e) from None
    return True
