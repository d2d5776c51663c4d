"""LUKS2 volumes with cryptsetup, optionally bound with clevis (Tang, TPM2, custom pins), as
the reference's ``luks.go`` (docs/disks.md).

One volume at a time: key material (fetched, or 4096 random bytes hex-encoded) goes to a 0400
temporary file that is removed afterwards and is handed to the files stage through the state as
a ``data:`` URL. Without ``wipeVolume`` an existing LUKS2 volume is reused when its label,
UUID and discard flag match and the key opens it; any other signature is refused. Keys and
clevis configurations are passed to the runner as secrets, so they never reach a log line or an
error message.

Before anything is formatted the stage checks what it will need: ``clevis`` on PATH for bound
volumes (a clear error instead of a volume formatted with a key that is then thrown away).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import tempfile

from ignition.stages.disks.context import probe_signature
from ignition.system import blkid, devices
from ignition.system.runner import CommandError, operand
from ignition.util.errors import IgnitionError, StageError
from ignition.util.record import record

TYPE_CHECKING = False  # typing is not imported at run time (docs/initramfs.md)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from ignition.config.model import Luks
    from ignition.stages.disks.context import DisksRun

KEY_BYTES = 4096  # random bytes, hex-encoded (clevis chokes on binary key files)
LUKS_TYPE = "crypto_LUKS"


def key_data_url(key: bytes) -> str:
    return "data:;base64," + base64.b64encode(key).decode()


@contextlib.contextmanager
def key_file(key: bytes) -> Iterator[str]:
    """The key in a 0400 temporary file (``/tmp/ignition-luks-*``), removed afterwards."""
    fd, path = tempfile.mkstemp(prefix="ignition-luks-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        os.chmod(path, 0o400)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


@record
class ClevisBinding:
    pin: str
    config: str
    verify: bool  # enough online pins to prove an unlock right away


def clevis_binding(run: DisksRun, v: Luks) -> ClevisBinding:
    """The pin and configuration for ``clevis luks bind`` (Tang advertisements fetched)."""
    c = v.clevis
    if c.custom_is_present() and c.custom is not None and c.custom.pin:
        return ClevisBinding(c.custom.pin, c.custom.config or "", verify=False)
    tang: list[dict[str, Any]] = []
    online = 0
    for t in c.tang:
        entry: dict[str, Any] = {"url": t.url, "thp": t.thumbprint or ""}
        if t.advertisement:
            entry["adv"] = json.loads(t.advertisement)
        else:
            online += 1
            try:
                adv = run.ctx.fetcher.fetch_url(t.url.rstrip("/") + "/adv")
                entry["adv"] = json.loads(adv)
            except (OSError, ValueError, Exception) as exc:  # the fetcher's errors vary by scheme
                raise StageError(
                    f"fetching the advertisement of Tang server {t.url}: {exc}"
                ) from None
        tang.append(entry)
    pins: dict[str, Any] = {}
    if tang or not c.tpm2:
        pins["tang"] = tang
    if c.tpm2:
        pins["tpm2"] = {}
    threshold = c.threshold or 1
    config = json.dumps({"t": threshold, "pins": pins}, separators=(",", ":"))
    return ClevisBinding("sss", config, verify=online + (1 if c.tpm2 else 0) >= threshold)


def probe_volume(run: DisksRun, v: Luks, device: str) -> blkid.FilesystemInfo:
    with run.log.op(f'determining volume type of "{v.device}"'):
        info = probe_signature(run, device)
    run.log.info(
        f'found {info.type} at "{v.device}" with uuid "{info.uuid}" and label "{info.label}"'
    )
    return info


def open_argv(v: Luks, device: str, keyfile: str) -> list[str]:
    name = operand(v.name, "LUKS volume name")
    argv = ["cryptsetup", "luksOpen", operand(device, "device"), name, "--key-file", keyfile]
    argv.append("--persistent")
    if v.discard:
        argv.append("--allow-discards")
    return [*argv, *v.open_options]


def format_argv(v: Luks, device: str, keyfile: str) -> list[str]:
    argv = ["cryptsetup", "luksFormat", "--type", "luks2", "--key-file", keyfile]
    if v.label:
        argv += ["--label", v.label]
    if v.uuid:
        argv += ["--uuid", v.uuid]
    return [*argv, *v.options, operand(device, "device")]


def reuse_problem(
    run: DisksRun, v: Luks, device: str, info: blkid.FilesystemInfo, keyfile: str
) -> str:
    """Why an existing LUKS2 volume cannot be reused ("" when it was opened and can)."""
    if v.clevis.is_present():
        return "config must not specify clevis binding"
    if not v.key_file.source:
        return "config must specify keyfile"
    if v.label is not None and info.label != v.label:
        return f'label did not match (specified "{v.label}", got "{info.label}")'
    if v.uuid is not None and info.uuid.lower() != v.uuid.lower():
        return f'UUID did not match (specified "{v.uuid}", got "{info.uuid}")'
    try:
        dump = run.system.runner.run(["cryptsetup", "luksDump", "--dump-json-metadata", device])
        flags = json.loads(dump.text).get("config", {}).get("flags", [])
    except (CommandError, ValueError) as exc:
        return f"reading the LUKS2 metadata failed: {exc}"
    if ("allow-discards" in flags) != bool(v.discard):
        return f"discard flag did not match (specified {bool(v.discard)}, got {not v.discard})"
    try:
        with run.log.op(f"opening luks device {v.name}"):
            run.system.runner.run(open_argv(v, device, keyfile))
    except CommandError as exc:
        return f"opening with the key file failed: {exc}"
    return ""


def create_volume(run: DisksRun, v: Luks, device: str) -> None:
    log = run.log
    runner = run.system.runner
    if v.key_file.source:
        try:
            key = run.ctx.fetcher.fetch(v.key_file, what="key file")
        except (IgnitionError, OSError) as exc:  # fetch errors carry no secrets
            raise StageError(f"failed to fetch the key file of {v.name!r}: {exc}") from None
        generated = False
    else:
        key = os.urandom(KEY_BYTES).hex().encode()  # secrets.token_hex, without its imports
        generated = True
    run.ctx.state.luks_persist_key_files[v.name] = key_data_url(key)
    with key_file(key) as keyfile:
        if not v.wipe_volume:
            info = probe_volume(run, v, device)
            if info.type == LUKS_TYPE and info.version == "2":
                why = reuse_problem(run, v, device, info, keyfile)
                if not why:
                    log.info(f'volume at "{v.device}" is already correctly formatted. Skipping...')
                    return
                log.err(
                    f'volume wipe was not requested and luks device "{v.device}" '
                    f"could not be reused: {why}"
                )
                raise StageError("volume is not of the correct type")
            if info.type == LUKS_TYPE:
                raise StageError(
                    f"{v.device} is a luks device but not luks2; Ignition cannot reuse it"
                )
            if info.type:
                raise StageError(
                    f'volume at "{v.device}" is not of the correct type (found {info.type}) '
                    "and a volume wipe was not requested"
                )
        use = devices.usage(device)
        if use.active:
            raise StageError(
                f'refusing to format active device "{v.device}" ({", ".join(use.reasons)})'
            )
        if v.wipe_volume:
            with log.op(f'wiping filesystem signatures from "{device}"'):
                try:
                    runner.run(["wipefs", "-a", device])
                except CommandError as exc:
                    raise StageError(f"wipefs failed: {exc}") from None
        with log.op(f'creating "{v.name}"'):
            try:
                runner.run(format_argv(v, device, keyfile))
            except CommandError as exc:
                raise StageError(f"cryptsetup failed: {exc}") from None
        with log.op(f"opening luks device {v.name}"):
            try:
                runner.run(open_argv(v, device, keyfile))
            except CommandError as exc:
                raise StageError(f"opening luks device: {exc}") from None
        if not v.clevis.is_present():
            return
        binding = clevis_binding(run, v)
        with log.op("Clevis bind"):
            try:
                runner.run(
                    [
                        "clevis",
                        "luks",
                        "bind",
                        "-f",
                        "-k",
                        keyfile,
                        "-d",
                        device,
                        operand(binding.pin, "clevis pin"),
                        binding.config,
                    ],
                    secrets=[binding.config],
                )
            except CommandError as exc:
                raise StageError(f"binding clevis device: {exc}") from None
        if binding.verify:
            # close and unlock through clevis alone: proves the binding works now
            with log.op(f"closing clevis luks device {v.name}"):
                try:
                    runner.run(["cryptsetup", "luksClose", operand(v.name, "LUKS volume name")])
                except CommandError as exc:
                    raise StageError(f"closing luks device: {exc}") from None
            with log.op(f"reopening clevis luks device {v.name}"):
                try:
                    runner.run(["clevis", "luks", "unlock", "-d", device, "-n", v.name])
                except CommandError as exc:
                    raise StageError(f"reopening luks device {v.name}: {exc}") from None
        if generated:
            # only clevis unlocks it from now on: the generated key is not kept anywhere
            with log.op(f"removing key file for {v.name}"):
                try:
                    runner.run(["cryptsetup", "luksRemoveKey", operand(device, "device"), keyfile])
                except CommandError as exc:
                    raise StageError(f"removing key file from luks device: {exc}") from None
            run.ctx.state.luks_persist_key_files.pop(v.name, None)


def plan_volume(run: DisksRun, v: Luks, device: str) -> None:
    """Dry run: say what would happen, from a read-only probe (no key is fetched)."""
    if not device:
        run.plan(
            f'luksFormat {v.device} as "{v.name}" (device created by an earlier step)', destroy=True
        )
        return
    info = blkid.FilesystemInfo()
    with contextlib.suppress(blkid.ProbeError):
        info = blkid.probe_filesystem(device, allow_ambivalent=True)
    if not v.wipe_volume and info.type == LUKS_TYPE:
        if info.version != "2":
            run.refuse(f"{v.device} is a luks device but not luks2; Ignition cannot reuse it")
        elif v.clevis.is_present() or not v.key_file.source:
            run.refuse(
                f'volume wipe was not requested and luks device "{v.device}" could not be reused: '
                + (
                    "config must not specify clevis binding"
                    if v.clevis.is_present()
                    else "config must specify keyfile"
                )
            )
        else:
            run.plan(f'reuse LUKS2 volume on {v.device} as "{v.name}" if its key file opens it')
        return
    if not v.wipe_volume and info.type:
        run.refuse(
            f'volume at "{v.device}" is not of the correct type (found {info.type}) '
            "and a volume wipe was not requested"
        )
        return
    found = f" (wiping its {info.type} signature)" if info.type else ""
    bound = " and bind it with clevis" if v.clevis.is_present() else ""
    run.plan(f'luksFormat {v.device} as "{v.name}"{found}{bound}', destroy=bool(info.type))


def create_luks(run: DisksRun) -> None:
    volumes = run.ctx.config.storage.luks
    if not volumes:
        return
    with run.log.prefixed("createLuks"):
        for v in volumes:
            if not v.device:
                run.refuse(f'luks volume "{v.name}" has no device')
            if v.cex.enabled:
                run.refuse(
                    f'luks volume "{v.name}": IBM Crypto Express (cex) keys are not supported'
                )
            if v.clevis.is_present() and shutil.which("clevis") is None:
                run.refuse(
                    f'luks volume "{v.name}" is bound with clevis, but clevis is not installed '
                    "(install clevis with its luks, tang and tpm2 pins)"
                )
        aliases = run.devices_for([v.device for v in volumes if v.device], "luks")
        for v in volumes:
            if not v.device:
                continue
            device = aliases.get(v.device, "")
            if run.dry_run:
                plan_volume(run, v, device)
                continue
            create_volume(run, v, device)
        if not run.dry_run:
            run.udev.trigger_settle(
                os.path.realpath(aliases[v.device]) for v in volumes if v.device
            )
