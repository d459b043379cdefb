"""``crm-xl password URL``: store a source's password in the system keyring
(:mod:`crm_xl.sources.secrets`), typed at a prompt that does not echo it; ``--delete``
removes it. ``crm-xl report --source URL`` then finds it there when the server asks for a
password that PGPASSWORD and ~/.pgpass do not hold (PostgreSQL), or whenever the URL names a
user (``ibis+...`` sources). The password is never printed, logged or written to a file."""

from __future__ import annotations

import argparse

from ..errors import InputError
from ..texts import Texts
from .common import add_common

TEXTS = Texts({
    "prompt": ("{user} 的密码（输入时不显示）：", "password for {user} (not shown): "),
    "again": ("再输入一次：", "again: "),
    "stored": ("已将 {user} 的密码存入系统密钥环（服务 {service}）。", "stored the password of {user} in the system "
               "keyring (service {service})."),
    "deleted": ("已从系统密钥环删除 {user} 的密码。", "removed the password of {user} from the system keyring."),
    "none": ("系统密钥环中没有 {user} 的密码。", "the system keyring holds no password for {user}."),
})


def _checked(url: str) -> str:
    """``url`` if it names a source that takes a password (PostgreSQL, ibis) and holds none."""
    from ..sources import parse_source_url

    if "://" not in url:
        raise InputError(f"「{url}」不是需要密码的数据源地址：只有 postgresql://… 和 ibis+…:// 的数据源使用密码。",
                         f"'{url}' is no source that takes a password: only postgresql://... and ibis+...:// "
                         "sources use one.")
    kind = parse_source_url(url).kind  # (refuses a URL that holds a password)
    if kind not in ("postgresql", "ibis"):
        raise InputError(f"数据源「{url}」不使用密码：只有 postgresql://… 和 ibis+…:// 的数据源使用密码。",
                         f"the source '{url}' takes no password: only postgresql://... and ibis+...:// sources use one.")
    return url


def _cmd_password(args: argparse.Namespace) -> int:
    import getpass

    from ..sources.secrets import SERVICE, KeyringUnavailable, forget, keyring_user, store

    t = TEXTS.lang(args.lang)
    url = _checked(str(args.url).strip())
    user = keyring_user(url)
    try:
        if args.delete:
            print(t("deleted", user=user) if forget(url) else t("none", user=user))
            return 0
        password = getpass.getpass(t("prompt", user=user))
        if not password:
            raise InputError("没有输入密码，未保存。", "no password typed; nothing stored.")
        if getpass.getpass(t.again) != password:
            raise InputError("两次输入的密码不一致，未保存。", "the two passwords differ; nothing stored.")
        store(url, password)
    except KeyringUnavailable as e:
        raise e.as_input_error() from None
    print(t("stored", user=user, service=SERVICE))
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "password",
        help="store a database password in the system keyring / 把数据库密码存入系统密钥环",
        description="Store the password of a --source URL (postgresql://user@host:port/db, ibis+...://) in the "
                    "system keyring (service crm_xl; needs the keyring package: pip install \"crm_xl[keyring]\"). "
                    "crm-xl report --source URL reads it from there (docs/sources.md). / 把数据源地址对应的密码存入"
                    "系统密钥环；crm-xl report --source 地址 会从那里读取。",
    )
    p.add_argument("url", metavar="URL", help="the source URL, without a password / 数据源地址（不含密码）")
    p.add_argument("--delete", action="store_true", help="remove the stored password / 删除已存的密码")
    add_common(p)
    p.set_defaults(run=_cmd_password)
