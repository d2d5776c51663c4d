"""``runcmd``, ``bootcmd``, ``power_state``, ``final_message`` and ``swap`` as scripts and
systemd units."""

from __future__ import annotations

import re

from cloudinit.migrate import values as v
from cloudinit.migrate.out import Out, Variant
from cloudinit.migrate.units import STAMP_DIR, add_file, add_script, add_unit, exec_quote, once_unit
from ignition.config.report import Path

RUNCMD = "cloud-init-runcmd"
BOOTCMD = "cloud-init-bootcmd"
POWER = "cloud-init-power-state"
FINAL = "cloud-init-final-message"


def _commands(out: Out, variant: Variant, at: Path, value: object) -> list[str] | None:
    found = v.items(out, at, value)
    if found is None:
        return None
    lines = [v.command_line(out, (*at, i), c) for i, c in enumerate(found)]
    commands = [line for line in lines if line is not None]
    if any(_PER.search(c) for c in commands):
        commands.insert(0, f'PATH="{variant.script_dir}:$PATH"')
        _cloud_init_per(out, variant, at)
    return commands or None


_PER = re.compile(r"(^|[\s;&|(`])cloud-init-per\b")
# cloud-init's helper: run a command once, or at every boot, keeping a marker of the run.
_PER_SCRIPT = f"""\
#!/bin/sh
# cloud-init-per FREQUENCY NAME COMMAND [ARG...]: run COMMAND at every boot (always) or
# only when it has not run before (once; instance, one machine being one instance), and
# record its exit status, as cloud-init's helper of that name did.
if [ $# -lt 3 ]; then
    echo "usage: cloud-init-per once|instance|always NAME COMMAND [ARG...]" >&2
    exit 1
fi
freq=$1
name=$2
shift 2
case "$freq" in
    once|instance|always) ;;
    *) echo "cloud-init-per: bad frequency $freq" >&2; exit 1 ;;
esac
case "$name" in
    */*|'') echo "cloud-init-per: bad name" >&2; exit 1 ;;
esac
marker="{STAMP_DIR}/per/$name.$freq"
if [ "$freq" != always ] && [ -e "$marker" ]; then
    exit 0
fi
"$@"
status=$?
mkdir -p "{STAMP_DIR}/per" && printf '%s\\t%s\\n' "$status" "$(date +%s)" >"$marker"
exit $status
"""


def _cloud_init_per(out: Out, variant: Variant, at: Path) -> None:
    path = f"{variant.script_dir}/cloud-init-per"
    add_file(out, path, _PER_SCRIPT, out.source(at, "cloud-init's cloud-init-per helper"),
             mode=0o755)  # fmt: skip
    out.info(
        at,
        f"cloud-init-per: provided as {path} (markers in {STAMP_DIR}/per; 'instance' runs "
        "once per machine)",
    )


def runcmd(out: Out, variant: Variant, at: Path, value: object) -> None:
    lines = _commands(out, variant, at, value)
    if lines is None:
        return
    script = add_script(out, variant, at, RUNCMD, lines)
    text = once_unit("Commands from cloud-init's runcmd (once per machine)", RUNCMD, [script])
    add_unit(out, f"{RUNCMD}.service", text, out.source(at, f"runs {script} once"))
    out.warning(
        at,
        f"runcmd: a script run once by {RUNCMD}.service after network-online.target, as "
        "cloud-init runs it once per instance; unlike cloud-init, a failed run is tried "
        "again at the next boot (the unit records success in /var/lib/ignition-convert)",
    )


def bootcmd(out: Out, variant: Variant, at: Path, value: object) -> None:
    lines = _commands(out, variant, at, value)
    if lines is None:
        return
    script = add_script(out, variant, at, BOOTCMD, lines)
    text = "\n".join(
        [
            "[Unit]",
            "Description=Commands from cloud-init's bootcmd (every boot, early)",
            "After=local-fs.target",
            "Before=network-online.target",
            "",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            f"ExecStart={script}",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            "",
        ]
    )
    add_unit(out, f"{BOOTCMD}.service", text, out.source(at, f"runs {script} at every boot"))
    note = (
        f"bootcmd: a script run by {BOOTCMD}.service at every boot, before "
        "network-online.target, as cloud-init runs it at every boot"
    )
    if any("INSTANCE_ID" in line for line in lines):
        note += "; $INSTANCE_ID is not set (there is no cloud-init instance id)"
    out.warning(at, note)


_DELAY = re.compile(r"\+?[0-9]+")
_MODES = {"poweroff": "-P", "halt": "-H", "reboot": "-r"}


def power_state(out: Out, variant: Variant, at: Path, value: object) -> None:
    cfg = v.mapping(out, at, value)
    if cfg is None:
        return
    mode = cfg.get("mode")
    if mode not in _MODES:
        out.error((*at, "mode"), "power_state.mode must be poweroff, halt or reboot")
        return
    assert isinstance(mode, str)
    delay = cfg.get("delay", "now")
    when = str(delay).strip() if isinstance(delay, str | int) else ""
    if when != "now" and not _DELAY.fullmatch(when):
        out.error((*at, "delay"), 'power_state.delay must be "now" or "+MINUTES"')
        return
    args = ["/usr/sbin/shutdown", _MODES[mode], when if when == "now" else "+" + when.lstrip("+")]
    message = cfg.get("message")
    if message is not None:
        text = v.text(out, (*at, "message"), message)
        if text is not None:
            args.append(text)
    condition = cfg.get("condition", True)
    if condition is False:
        out.info((*at, "condition"), "power_state: condition is false, nothing to carry over")
        return
    exec_condition: list[str] = []
    if condition is not True:
        cmd = v.command_line(out, (*at, "condition"), condition)
        if cmd is None:
            return
        exec_condition = [f"ExecCondition=/bin/sh -c {exec_quote(cmd)}"]
    if "timeout" in cfg:
        out.info(
            (*at, "timeout"),
            "power_state.timeout: not needed (cloud-init waited for its own run to end)",
        )
    text = once_unit(
        f"Power state change from cloud-init's power_state ({mode})",
        POWER,
        [" ".join(exec_quote(a) for a in args)],
        after=f"{RUNCMD}.service {FINAL}.service",
        stamp_first=True,
    )
    if exec_condition:
        text = text.replace("ExecStart=", exec_condition[0] + "\nExecStart=", 1)
    add_unit(out, f"{POWER}.service", text, out.source(at, f"{mode} once, after runcmd"))
    out.warning(
        at,
        f"power_state: {POWER}.service runs shutdown once, after {RUNCMD}.service (cloud-init "
        "did it at the end of its final stage)",
    )


# What cloud-init put in the message (either case); a jinja template is not rendered either.
_TEMPLATE = re.compile(r"\$\{?(UPTIME|TIMESTAMP|DATASOURCE|VERSION)\b", re.IGNORECASE)


def final_message(out: Out, variant: Variant, at: Path, value: object) -> None:
    message = v.text(out, at, value)
    if message is None:
        return
    lines = [
        "[Unit]",
        "Description=The final message from cloud-init's final_message",
        f"After=multi-user.target {RUNCMD}.service",
        "",
        "[Service]",
        "Type=oneshot",
        "StandardOutput=journal+console",
        f"ExecStart=/usr/bin/echo {exec_quote(message)}",
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ]
    add_unit(out, f"{FINAL}.service", "\n".join(lines), out.source(at, "echoes it at every boot"))
    found = sorted(set(_TEMPLATE.findall(message)))
    if found:
        out.warning(
            at,
            "final_message: cloud-init's variables are not expanded: "
            + ", ".join(f"${name}" for name in found),
        )
    if message.lstrip().startswith("## template:"):
        out.warning(at, "final_message: a jinja template: written as it is, not rendered")


_SIZE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([BKMGT]?)B?", re.IGNORECASE)
_FACTOR = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def size_bytes(value: object) -> int | None:
    """cloud-init's human-readable sizes (``2G``, ``512M``, bytes), base 1024."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = _SIZE.fullmatch(value.strip()) if isinstance(value, str) else None
    if m is None:
        return None
    return int(float(m[1]) * _FACTOR[m[2].upper()])


def swap(out: Out, variant: Variant, at: Path, value: object) -> None:
    from ignition.config.rules.units import systemd_escape_path

    cfg = v.mapping(out, at, value)
    if cfg is None:
        return
    filename = v.text(out, (*at, "filename"), cfg.get("filename", "/swap.img"))
    size = cfg.get("size", 0)
    if filename is None:
        return
    if size == "auto":
        out.error(
            (*at, "size"),
            "swap.size: auto (sized by cloud-init from the memory and disk of the machine) "
            "cannot be decided in advance: give a size",
        )
        return
    n = size_bytes(size)
    if n is None:
        out.error((*at, "size"), "swap.size: not a size (e.g. 2G, 512M or bytes)")
        return
    if n == 0:
        out.info((*at, "size"), "swap.size is 0: no swap file, nothing to carry over")
        return
    if not filename.startswith("/"):
        out.error((*at, "filename"), "swap.filename must be an absolute path")
        return
    swap_unit = systemd_escape_path(filename) + ".swap"
    folder = filename.rsplit("/", 1)[0] or "/"
    make = [
        "[Unit]",
        f"Description=Create the swap file {filename} (cloud-init swap)",
        f"ConditionPathExists=!{filename}",
        f"Before={swap_unit}",
        "",
        "[Service]",
        "Type=oneshot",
        f"ExecStart=/usr/bin/mkdir -p {exec_quote(folder)}",
        f"ExecStart=/usr/bin/fallocate -l {n} {exec_quote(filename)}",
        f"ExecStart=/usr/bin/chmod 0600 {exec_quote(filename)}",
        f"ExecStart=/usr/sbin/mkswap {exec_quote(filename)}",
        "",
        "[Install]",
        f"RequiredBy={swap_unit}",
        "",
    ]
    src = out.source(at)
    add_unit(out, "cloud-init-mkswap.service", "\n".join(make), src)
    use = [
        "[Unit]",
        f"Description=Swap file {filename} (cloud-init swap)",
        "",
        "[Swap]",
        f"What={filename}",
        "",
        "[Install]",
        "WantedBy=swap.target",
        "",
    ]
    add_unit(out, swap_unit, "\n".join(use), src)
    if "maxsize" in cfg:
        out.info((*at, "maxsize"), "swap.maxsize: only limits size: auto, not needed")
