"""``users``, ``user``, ``groups``, ``chpasswd`` and ``ssh_authorized_keys`` as Butane passwd
entries, and ``sudo`` rules as a sudoers file."""

from __future__ import annotations

import re
import shlex

from cloudinit.migrate import values as v
from cloudinit.migrate.out import Out, Variant
from cloudinit.migrate.units import add_file, add_script, add_unit, once_unit
from ignition.config.report import Path

USERS = ("passwd", "users")
GROUPS = ("passwd", "groups")
DEFAULT_USER = "core"
SUDOERS = "/etc/sudoers.d/90-cloud-init-users"
GROUPS_UNIT = "cloud-init-groups"
DEFAULT_SUDO = "ALL=(ALL) NOPASSWD:ALL"  # what cloud-init's distributions give the default user
# A password hash as chpasswd takes it (MD5, bcrypt, SHA-256/512, yescrypt ...).
_HASH = re.compile(r"\$(1|2a|2b|2y|5|6|7|y|gy)\$[^$:\s]*\$[^:\s]+")
_NAME = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?")
# Groups both OS images have; any other group a user joins is created, as cloud-init does.
SYSTEM_GROUPS = frozenset(
    [
        "adm",
        "audio",
        "cdrom",
        "dialout",
        "disk",
        "docker",
        "floppy",
        "input",
        "kmem",
        "kvm",
        "lp",
        "mail",
        "man",
        "portage",
        "render",
        "root",
        "sudo",
        "sys",
        "systemd-journal",
        "tape",
        "tty",
        "users",
        "video",
        "wheel",
    ]
)
_FIELDS = {  # cloud-init key → Butane key, for the fields that map one to one
    "gecos": "gecos",
    "homedir": "home_dir",
    "primary_group": "primary_group",
    "shell": "shell",
}
_FLAGS = ("no_create_home", "no_user_group", "no_log_init", "system")
_NOT_CARRIED = {
    "ssh_import_id": "keys are fetched from Launchpad or GitHub at boot by cloud-init; list "
    "them in ssh_authorized_keys",
    "ssh_redirect_user": "the login redirect message needs cloud-init",
    "expiredate": "Ignition cannot set an account expiry date",
    "inactive": "Ignition cannot set an account inactivity period",
    "selinux_user": "Ignition cannot set an SELinux user mapping",
    "snapuser": "there is no snap on this OS",
    "doas": "there is no doas on this OS",
    "plain_text_passwd": "Ignition takes password hashes only: hash it (mkpasswd "
    "--method=yescrypt) and give it as passwd",
}
_DEPRECATED = {
    "lock-passwd": "lock_passwd",
    "no-create-home": "no_create_home",
    "no-user-group": "no_user_group",
    "no-log-init": "no_log_init",
    "primary-group": "primary_group",
    "ssh-authorized-keys": "ssh_authorized_keys",
    "ssh-import-id": "ssh_import_id",
    "ssh-redirect-user": "ssh_redirect_user",
    "hashed-passwd": "hashed_passwd",
    "plain-text-passwd": "plain_text_passwd",
    "create-groups": "create_groups",
    "selinux-user": "selinux_user",
}


class Users:
    def __init__(self, out: Out, variant: Variant) -> None:
        self.out = out
        self.variant = variant
        self.sudo: list[str] = []
        self.sudo_at: Path | None = None
        self.joined: dict[str, Path] = {}  # supplementary group → where a user asks for it
        self.create_groups = True
        self.members: list[tuple[str, str, Path]] = []  # (user, group, where) from groups

    def user(self, name: str, at: Path) -> dict[str, object]:
        entry = self.out.get(USERS, name)
        if entry is None:
            entry = self.out.add(USERS, name, {"name": name}, self.out.source(at))
        else:
            self.out.extend_comment(USERS, name, self.out.source(at))
        return entry

    def users(self, at: Path, value: object) -> None:
        found = v.items(self.out, at, value)
        has_default = False
        for i, u in enumerate(found or []):
            if u == "default":
                has_default = True
                self.out.info((*at, i), f"default: the default user is {DEFAULT_USER}")
            elif isinstance(u, str):
                for name in (n.strip() for n in u.split(",") if n.strip()):
                    self.user(name, (*at, i))
            elif isinstance(u, dict):
                self.one((*at, i), u)
            else:
                v.mapping(self.out, (*at, i), u)
        if found is not None and not has_default:
            self.out.warning(
                at,
                f"users without 'default': cloud-init skipped its default user; "
                f"{self.variant.label}'s user {DEFAULT_USER} exists anyway",
            )

    def default_user(self, at: Path, value: object) -> None:
        """``user``: settings for the default user (a name of its own renames it)."""
        cfg = {"name": value} if isinstance(value, str) else v.mapping(self.out, at, value)
        if cfg is None:
            return
        name = cfg.get("name", DEFAULT_USER)
        if name != DEFAULT_USER and isinstance(name, str):
            if "sudo" not in cfg:
                cfg = {**cfg, "sudo": DEFAULT_SUDO}
            self.out.warning(
                at,
                f"user: the default user {name} is made as a new user (with the passwordless "
                f"sudo cloud-init gives its default user, unless sudo is given); "
                f"{self.variant.label}'s user {DEFAULT_USER} stays",
            )
        self.one(at, {"name": DEFAULT_USER, **cfg})

    def one(self, at: Path, raw: dict[str, object]) -> None:
        out = self.out
        cfg: dict[str, object] = {}
        for k, val in raw.items():
            if k in _DEPRECATED:
                out.info((*at, k), f"{k}: deprecated spelling of {_DEPRECATED[k]}")
            cfg[_DEPRECATED.get(k, k)] = val
        if "name" not in cfg and "snapuser" in cfg:
            out.error((*at, "snapuser"), f"snapuser: not carried over: {_NOT_CARRIED['snapuser']}")
            return
        name = v.text(out, (*at, "name"), cfg.get("name"))
        if name is None:
            return
        entry = self.user(name, at)
        for key, val in cfg.items():
            self._field(at, name, entry, key, val, cfg)

    def _field(
        self,
        at: Path,
        name: str,
        entry: dict[str, object],
        key: str,
        val: object,
        cfg: dict[str, object],
    ) -> None:
        out, here = self.out, (*at, key)
        if key in ("name", "lock_passwd", "create_groups"):
            if key == "create_groups" and val is False:
                self.create_groups = False
            return
        if key in _FIELDS:
            text = v.text(out, here, val)
            if text is not None:
                entry[_FIELDS[key]] = text
                if key == "primary_group":  # useradd --gid needs the group to exist
                    self.joined.setdefault(text, here)
        elif key in _FLAGS:
            if v.flag(out, here, val):
                entry[key] = True
        elif key == "uid":
            text = v.text(out, here, val, numbers=True)
            if text is not None and text.isdigit():
                entry["uid"] = int(text)
            elif text is not None:
                out.error(here, "uid must be a number: not carried over")
        elif key == "groups":
            # a mapping of group names (to null) is an old spelling of the list
            names = list(val) if isinstance(val, dict) else v.names(out, here, val)
            for g in names or []:
                self.join(entry, g, here)
        elif key in ("passwd", "hashed_passwd"):
            self._password(at, entry, key, val, cfg)
        elif key == "ssh_authorized_keys":
            keys = v.names(out, here, [val] if isinstance(val, str) else val) or []
            have = entry.setdefault("ssh_authorized_keys", [])
            assert isinstance(have, list)
            have += [k for k in keys if k not in have]
        elif key == "sudo":
            self._sudo(here, name, val)
        elif key in _NOT_CARRIED:
            out.error(here, f"{key}: not carried over: {_NOT_CARRIED[key]}")
        else:
            out.error(here, f"{key}: not a cloud-init user setting: not carried over")

    def _password(
        self, at: Path, entry: dict[str, object], key: str, val: object, cfg: dict[str, object]
    ) -> None:
        text = v.text(self.out, (*at, key), val)
        if text is None:
            return
        if cfg.get("lock_passwd", True) is not False:
            # cloud-init sets the hash, then locks it (passwd -l adds "!")
            entry["password_hash"] = text if text.startswith("!") else "!" + text
            self.out.warning(
                (*at, key),
                f"{key}: set locked, as cloud-init leaves it with lock_passwd (default "
                "true); give lock_passwd: false to allow password logins",
            )
        else:
            entry["password_hash"] = text

    def join(self, entry: dict[str, object], group: str, at: Path) -> None:
        groups = entry.setdefault("groups", [])
        assert isinstance(groups, list)
        if group not in groups:
            groups.append(group)
        self.joined.setdefault(group, at)

    def _sudo(self, at: Path, name: str, val: object) -> None:
        if val is None or val is False:
            return
        if val is True:
            self.out.error(at, "sudo: true is not a sudo rule (e.g. ALL=(ALL) NOPASSWD:ALL)")
            return
        rules = [val] if isinstance(val, str) else v.items(self.out, at, val) or []
        for i, rule in enumerate(rules):
            if rule is None:
                continue
            text = v.text(self.out, at if isinstance(val, str) else (*at, i), rule)
            if text is not None:
                if "\n" in text:
                    self.out.error(at, "sudo: a rule must be one line: not carried over")
                    continue
                self.sudo.append(f"{name} {text}")
                self.sudo_at = self.sudo_at or at

    def groups(self, at: Path, value: object) -> None:
        found = v.items(self.out, at, value)
        if isinstance(value, str | dict):
            found = [value]
        for i, g in enumerate(found or []):
            here = (*at, i) if isinstance(value, list) else at
            if isinstance(g, str):
                for name in (n.strip() for n in g.split(",") if n.strip()):
                    self.group(name, here)
            elif isinstance(g, dict):
                for name, members in g.items():
                    self.group(name, (*here, name))
                    for m in v.names(self.out, (*here, name), members or []) or []:
                        self._member(m, name, (*here, name))
            else:
                v.text(self.out, here, g)

    def group(self, name: str, at: Path) -> None:
        if self.out.get(GROUPS, name) is None:
            self.out.add(GROUPS, name, {"name": name}, self.out.source(at))

    def _member(self, user: str, group: str, at: Path) -> None:
        self.members.append((user, group, at))

    def finish(self) -> None:
        out = self.out
        existing: list[tuple[str, str, Path]] = []
        for user, group, at in self.members:
            entry = out.get(USERS, user)
            if entry is None:
                existing.append((user, group, at))
            else:
                self.join(entry, group, at)
                out.warning(
                    at,
                    f"{user} joins {group} here; cloud-init added members before it made the "
                    f"users of the document, so it skipped {user}",
                )
        for group, at in self.joined.items():
            if out.get(GROUPS, group) is None and group not in SYSTEM_GROUPS:
                if at[-1] == "primary_group":  # useradd --gid needs the group to exist
                    self.group(group, at)
                    out.info(at, f"group {group} is created: the user's primary group must exist")
                elif self.create_groups:
                    self.group(group, at)
                    out.info(at, f"group {group} is created, as cloud-init's create_groups does")
                else:
                    out.warning(at, f"group {group} must exist on the OS (create_groups: false)")
        if self.sudo:
            assert self.sudo_at is not None
            text = "".join(f"{rule}\n" for rule in self.sudo)
            add_file(out, SUDOERS, text, out.source(self.sudo_at, "the sudo rules"), mode=0o440)
        if existing:
            self._members_of_the_os(existing)

    def _members_of_the_os(self, members: list[tuple[str, str, Path]]) -> None:
        """Users of the OS (not of this document) join groups once, at first boot: Ignition
        would replace all their supplementary groups."""
        out = self.out
        lines = [
            'join() { if id -u "$1" >/dev/null 2>&1; then usermod -a -G "$2" "$1"; '
            'else echo "no user $1: not added to $2" >&2; fi; }'
        ]
        for user, group, at in members:
            if not (_NAME.fullmatch(user) and _NAME.fullmatch(group)):
                out.error(at, f"{user!r} or {group!r} is not a user or group name")
                continue
            lines.append(f"join {shlex.quote(user)} {shlex.quote(group)}")
            out.warning(
                at,
                f"{user} is not a user of this document: {GROUPS_UNIT}.service adds "
                f"it to {group} once, at first boot (where the user exists, as cloud-init did)",
            )
        if len(lines) > 1:
            at = members[0][2][:1]
            script = add_script(out, self.variant, at, GROUPS_UNIT, lines)
            text = once_unit("Add users of the OS to groups (cloud-init groups)", GROUPS_UNIT,
                             [script])  # fmt: skip
            add_unit(out, f"{GROUPS_UNIT}.service", text, out.source(at, f"runs {script} once"))

    def top_keys(self, at: Path, value: object) -> list[str]:
        """``ssh_authorized_keys`` at the top: the default user's keys."""
        keys = v.names(self.out, at, value) or []
        self._add_keys(DEFAULT_USER, at, keys)
        return keys

    def _add_keys(self, name: str, at: Path, keys: list[str]) -> None:
        have = self.user(name, at).setdefault("ssh_authorized_keys", [])
        assert isinstance(have, list)
        have += [k for k in keys if k not in have]

    def disable_root(self, value: object, keys: list[str]) -> None:
        """``disable_root``: cloud-init gave root the default user's keys, behind a message that
        refuses the login unless ``disable_root`` is false."""
        at: Path = ("disable_root",)
        disabled = True if value is None else v.flag(self.out, at, value)  # null: the default
        if disabled is None:
            return
        if disabled:
            self.out.info(at, "disable_root: not needed: root gets no keys (as cloud-init "
                          "refused root's logins)")  # fmt: skip
        elif keys:
            self._add_keys("root", at, keys)
            self.out.warning(
                at,
                "disable_root: false: root logs in with the keys of ssh_authorized_keys, as "
                "cloud-init let it; the cloud's own keys go to core only",
            )
        else:
            self.out.info(at, "disable_root: false: no keys for root in this document (the "
                          "cloud's own keys go to core only)")  # fmt: skip

    def chpasswd(self, value: object, password: object) -> None:
        """``chpasswd`` (its ``users`` list and the older ``list``) and ``password``, the
        default user's: hashes are carried, plain text and random passwords are not."""
        at: Path = ("chpasswd",)
        cfg = {} if value is None else v.mapping(self.out, at, value)
        if cfg is None:
            return
        carried = False
        if password is not None:
            carried |= self._set(("password",), DEFAULT_USER, password, "hash?")
        if "list" in cfg:
            carried |= self._old_list((*at, "list"), cfg["list"])
        for i, u in enumerate(v.items(self.out, (*at, "users"), cfg.get("users", [])) or []):
            here = (*at, "users", i)
            entry = v.mapping(self.out, here, u)
            if entry is None:
                continue
            name = v.text(self.out, (*here, "name"), entry.get("name"))
            kind = entry.get("type", "hash")
            if name is None:
                continue
            if kind != "hash" or entry.get("password") == "RANDOM":
                what = "RANDOM" if "RANDOM" in (kind, entry.get("password")) else f"type {kind}"
                self.out.error(
                    here,
                    f"chpasswd: {what}: Ignition takes password hashes only: not carried over",
                )
                continue
            carried |= self._set((*here, "password"), name, entry.get("password"), "hash")
        expire = cfg.get("expire", True)
        where: Path = ("password",) if value is None else (*at, "expire") if "expire" in cfg else at
        if carried and expire is not False:
            self.out.warning(
                where,
                "chpasswd.expire: the passwords are not expired (cloud-init made users "
                "change them at their first login by default)",
            )
        elif not carried and "expire" in cfg:
            self.out.info((*at, "expire"), "chpasswd.expire: no password is carried over")

    def _old_list(self, at: Path, value: object) -> bool:
        """``list``: ``name:password`` lines (one string, or a list of strings)."""
        lines = value.splitlines() if isinstance(value, str) else v.items(self.out, at, value)
        carried = False
        for i, line in enumerate(lines or []):
            here = at if isinstance(value, str) else (*at, i)
            text = v.text(self.out, here, line)
            if text is None or not text.strip():
                continue
            name, sep, secret = text.strip().partition(":")
            if not sep or not name:
                self.out.error(here, "chpasswd.list: not a name:password line")
                continue
            carried |= self._set(here, name, secret, "hash?")
        return carried

    def _set(self, at: Path, name: str, secret: object, kind: str) -> bool:
        """The password hash of ``name``; plain text (where ``kind`` lets it be either) and
        random passwords are reported, never echoed."""
        text = v.text(self.out, at, secret)
        if text is None:
            return False
        if text in ("R", "RANDOM"):
            self.out.error(at, f"{name}: a RANDOM password: Ignition takes password hashes only")
            return False
        if kind == "hash?" and not _HASH.match(text):
            self.out.error(
                at,
                f"{name}: a plain text password: Ignition takes password hashes only: hash it "
                "(mkpasswd --method=yescrypt) and give it with type: hash",
            )
            return False
        self.user(name, at)["password_hash"] = text
        return True
