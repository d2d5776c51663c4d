"""The command table: for each command, its usage line, what each flag means, one example and
its exit statuses. The one source of ``--help``, of usage errors, of ``docs/commands.md`` and
of the man pages (``tools/commanddocs.py`` writes both; a test checks they are current).

Which flags a command takes, their aliases and defaults are the parser's (each command's
``flags()``, named by ``Command.parser``); this table only says what they mean, so nothing is
written twice (a test checks that the two name the same flags). It is imported only when help
or a usage error is printed: a run never pays for it. The reference tools' usage texts are
kept word for word (``butane``, ``ct``, ``ignition-validate``'s head): scripts and people
compare them.
"""

from __future__ import annotations

from ignition.util.record import record


@record
class Flag:
    name: str
    meaning: str  # "{platforms}" and "{stages}" are filled in when printed
    arg: str = ""  # the word after the flag in the usage ("string", "duration"); "" = a switch
    default: str | None = None  # shown as "(default ...)" when the parser's would mislead
    no_opt: str = ""  # pflag: the value a bare flag means ("--color" is "--color=always")
    hidden: bool = False  # accepted, never listed (as the reference: -h, deprecated spellings)


@record
class Command:
    name: str  # as typed: "ignition plan"
    parser: str  # "module:function" returning the command's FlagSpecs
    summary: str  # one line (man page NAME, the docs' table of commands)
    usage: str  # the head of the usage text; "{prog}" is the name it was run as
    flags: tuple[Flag, ...]
    description: str
    example: str
    example_says: str
    exits: tuple[tuple[int, str], ...]
    style: str = "go"  # "go": Go's flag.PrintDefaults layout; "pflag": spf13/pflag's
    help_to_stdout: bool = False  # the Go references print -help on stderr


_HELP = Flag("help", "print this help and exit", hidden=True)
_VERSION = Flag("version", "print the version and exit")
_ROOT_EXIT = (2, "usage: an unknown flag, a missing or extra argument, an empty -root")

IGNITION = Command(
    name="ignition",
    parser="ignition.commands.cli:flags",
    summary="run one stage of the first-boot provisioning",
    usage="""Usage of ignition:
  ignition -platform=NAME -stage=STAGE [flags]
  ignition plan [flags] [CONFIG|-]       list what a config would do, touching nothing
  ignition detect [flags]                print the platform id found in DMI facts
""",
    flags=(
        Flag("config-cache", "where to cache the config", arg="string"),
        Flag("dry-run", "print the actions of the stage instead of taking them"),
        Flag(
            "fetch-timeout",
            "initial duration for which to wait for config",
            arg="duration",
            default="2m0s",
        ),
        Flag("log-to-stdout", "log to stdout instead of the system log"),
        Flag(
            "neednet",
            "flag file fetch-offline writes if networking is needed",
            arg="string",
        ),
        Flag(
            "platform",
            'current platform ("auto": from DMI facts). Supported platforms: {platforms}',
            arg="value",
        ),
        Flag(
            "root",
            'root of the filesystem ("" only for the stages that never touch it: fetch-offline,'
            "\nfetch, kargs, disks)",
            arg="string",
        ),
        Flag("stage", "execution stage. Supported stages: {stages}", arg="value"),
        Flag("state-file", "where to store internal state", arg="string"),
        _VERSION,
        _HELP,
    ),
    description="""Runs one stage of the first boot, as the initramfs units do: fetch-offline,
fetch, kargs, disks, mount, files and umount, in that order, each in its own process. The
fetch stages acquire the config from the platform and cache it; the later stages read the
cache and act on the root given by -root. Flags take one dash or two, "=value" or a separate
word, as the reference's do.""",
    example="ignition -platform=qemu -stage=disks -root=/sysroot",
    example_says="what the initramfs runs on QEMU: partition, RAID, LUKS and filesystems",
    exits=(
        (0, "the stage is done"),
        (1, "the stage failed"),
        (
            2,
            "usage: an unknown flag or value, -platform or -stage missing, an empty -root for "
            "mount, files or umount",
        ),
        (3, "the fetcher or the state file could not be set up"),
    ),
)

PLAN = Command(
    name="ignition plan",
    parser="ignition.commands.plan:flags",
    summary="list every action a config would take on this machine, touching nothing",
    usage="Usage: ignition plan [flags] [CONFIG|-]\n",
    flags=(
        Flag("log-to-stdout", "write the log to stdout (default: stderr)"),
        Flag("offline", "do not fetch the configs a config refers to over the network"),
        Flag("platform", "the platform to acquire the config from", arg="string"),
        Flag("root", "root of the filesystem the plan is made for", arg="string"),
        Flag("version", "print the version and exit"),
        _HELP,
    ),
    description="""Reads CONFIG (a file, or "-" for stdin) or, without it, acquires the config
as the fetch stage would (kernel command line, the system's base configs, the platform), then
lists each stage's actions in order, touching nothing and caching nothing. Base configs are
merged and referenced configs fetched as in a real run. Actions that remove or replace what
exists are marked [DESTRUCTIVE]. The plan goes to stdout, the log to stderr.""",
    example="ignition plan -root=/mnt/image config.ign",
    example_says="what config.ign would do to the image mounted at /mnt/image",
    exits=(
        (0, "the plan is printed"),
        (1, "no plan: the config cannot be read, fetched or is invalid"),
        _ROOT_EXIT,
    ),
    help_to_stdout=True,
)

DETECT = Command(
    name="ignition detect",
    parser="ignition.commands.detect:flags",
    summary="name the platform this machine runs on, from its DMI facts",
    usage="Usage: ignition detect [flags]\n",
    flags=(
        Flag("verbose", "also print, on stderr, the fact that decided"),
        Flag("version", "print the version and exit"),
        _HELP,
    ),
    description="""Prints the platform id (as -platform and ignition.platform.id take it) that
the machine's DMI facts point to: vendor, product name, UUID, serial and asset tag. This is
what -platform=auto uses; the reference never guesses, so nothing does unless asked.""",
    example="ignition detect -v",
    example_says="the platform id on stdout, the fact that decided on stderr",
    exits=(
        (0, "a platform was found and printed"),
        (1, "no platform matches the facts (the reason is printed)"),
        (2, "usage: an unknown flag or an argument"),
    ),
    help_to_stdout=True,
)

VALIDATE = Command(
    name="ignition-validate",
    parser="ignition.commands.validate:flags",
    summary="check an Ignition config offline",
    usage="Usage:\n  {prog} [flags] config.ign\n\n",
    flags=(
        Flag("butane", "for Butane YAML input: exit according to the Butane verdict"),
        Flag(
            "format",
            "output format: text (as the reference) or json",
            arg="string",
        ),
        Flag("legacy", "accept spec 1 and 2.x configs (Flatcar, ct's output), as spec 3"),
        Flag(
            "platform",
            "warn when the config exceeds that platform's user-data size limit",
            arg="string",
        ),
        Flag("version", "print the version of {prog}"),
        _HELP,
    ),
    description="""Checks config.ign ("-" for stdin) against its spec version and prints one
line per problem on stdout: "<error|warning|info> at <JSON path>, line L col C: <message>".
Spec 1 and 2.x configs are refused unless -legacy is given. Given Butane YAML, it says so
first, with the butane command that transpiles it, then lists the Butane's problems at their
line:column; -butane checks it as Butane only.""",
    example="ignition-validate config.ign",
    example_says="no output and exit 0 when config.ign is valid",
    exits=(
        (0, "valid (warnings allowed)"),
        (1, "invalid, unreadable, or usage (as the reference)"),
    ),
)

APPLY = Command(
    name="ignition-apply",
    parser="ignition.commands.apply:flags",
    summary="apply a config's files, directories, links and units to a running system",
    usage="Usage: ignition-apply [flags] CONFIG|-\n",
    flags=(
        Flag("force", "allow modifying / outside a container"),
        Flag(
            "ignore-unsupported",
            "apply the rest when the config has sections a running system cannot take",
        ),
        Flag("offline", "refuse to fetch anything over the network"),
        Flag("root", "the root directory to apply the config to", arg="string"),
        Flag("version", "print the version and exit"),
        _HELP,
    ),
    description="""Parses CONFIG (any spec version; "-" for stdin), renders what it refers to,
and applies only what makes sense on a live system: files, directories, links and systemd
units. Users, groups, disks, filesystems, RAID, LUKS and kernel arguments are an error unless
-ignore-unsupported. As the reference, it refuses to modify / outside a container: give
-root=DIR for an image being built, or -force. The log goes to stdout.""",
    example="ignition-apply -root=/mnt/image config.ign",
    example_says="write config.ign's files and units into the image mounted at /mnt/image",
    exits=(
        (0, "applied"),
        (1, "failed, or refused: unsupported sections, / outside a container"),
        _ROOT_EXIT,
    ),
)

RMCFG = Command(
    name="ignition-rmcfg",
    parser="ignition.commands.rmcfg:flags",
    summary="delete the config from the platform after the first boot",
    usage="Usage: ignition-rmcfg -platform=NAME [flags]\n",
    flags=(
        Flag("log-to-stdout", "log to stdout instead of the system log"),
        Flag("platform", "the platform the config came from", arg="string"),
        Flag("version", "print the version and exit"),
        _HELP,
    ),
    description="""Deletes the config from where the platform keeps it, so that it is not left
readable on a running system (ignition-delete-config.service runs it once). VirtualBox and
VMware support it; on every other platform it fails with "cannot delete config on this
platform".""",
    example="ignition-rmcfg -platform=vmware",
    example_says="remove the config from VMware's guestinfo",
    exits=(
        (0, "the config is deleted"),
        (1, "it could not be deleted (or the platform cannot delete it)"),
        (2, "usage: an unknown flag, -platform missing"),
    ),
)

BUTANE = Command(
    name="butane",
    parser="ignition.commands.butane:flags",
    summary="translate a Butane config (YAML) into an Ignition config (JSON)",
    usage="Usage: {prog} [options] [input-file]\nOptions:\n",
    flags=(
        Flag("check", "check config without producing output"),
        Flag(
            "color",
            'control color output: "auto", "always", or "never"',
            arg="string",
            no_opt="always",
        ),
        Flag("debug", "print the translations of every field", hidden=True),
        Flag("files-dir", "allow embedding local files from this directory", arg="string"),
        Flag("help", "show usage and exit"),
        Flag("input", "read the config from this file (deprecated)", arg="string", hidden=True),
        Flag("output", "write to output file instead of stdout", arg="string"),
        Flag("pretty", "output formatted json"),
        Flag("raw", "never wrap in a MachineConfig; force Ignition output"),
        Flag("raw-errors", "show raw errors, rather than pretty printing them"),
        Flag("strict", "fail on any warning"),
        Flag("version", "print the version and exit"),
    ),
    description="""Reads Butane YAML from input-file (or stdin) and writes the Ignition config
to stdout (or -o). Problems are shown at their line:column with the offending lines;
warnings do not fail the translation unless --strict. Local files named by the config
(contents.local, trees) are read only below --files-dir.""",
    example="butane --pretty --strict --files-dir . config.bu > config.ign",
    example_says="what CI jobs run: fail on any warning, embed files from this directory",
    exits=(
        (0, "translated"),
        (1, "the config has errors (or warnings, with --strict), or a file cannot be read"),
        (2, "usage: an unknown flag, more than one input file"),
    ),
    style="pflag",
    help_to_stdout=True,
)

CT = Command(
    name="ct",
    parser="ignition.commands.ct:flags",
    summary="translate a Container Linux Config (YAML) into an Ignition config (spec 2.3.0)",
    usage="Usage of {prog}:\n",
    flags=(
        Flag("files-dir", "Directory to read local files from.", arg="string"),
        Flag("help", "Print help and exit."),
        Flag(
            "in-file",
            "Path to the container linux config. Standard input unless specified otherwise.",
            arg="string",
        ),
        Flag(
            "out-file",
            "Path to the resulting Ignition config. Standard output unless specified otherwise.",
            arg="string",
        ),
        Flag(
            "platform",
            "Platform to target. Accepted values: [azure digitalocean ec2 gce packet "
            "openstack-metadata vagrant-virtualbox cloudstack-configdrive custom].",
            arg="string",
        ),
        Flag("pretty", "Indent the resulting Ignition config."),
        Flag("strict", "Fail if any warnings are encountered."),
        Flag("version", "Print the version and exit."),
    ),
    description="""The Container Linux Config Transpiler: reads the YAML from -in-file (or
stdin) and writes an Ignition spec 2.3.0 config, which Flatcar's Ignition accepts, to
-out-file (or stdout). Values such as "{PRIVATE_IPV4}" are filled in at boot from the
platform's metadata; they need -platform. To move to spec 3, convert the config to Butane
with "ignition-convert -from ct".""",
    example="ct -platform=ec2 -pretty -strict -in-file config.yaml -out-file config.ign",
    example_says="an EC2 config, failing on any warning",
    exits=(
        (0, "translated"),
        (1, "the config has errors (or warnings, with -strict), or a file cannot be read"),
        (2, "usage: an unknown flag"),
    ),
)

CLOUDINIT = Command(
    name="coreos-cloudinit",
    parser="ignition.commands.coreos_cloudinit:flags",
    summary="validate or apply cloud-config user data",
    usage="Usage of {prog}:\n",
    flags=(
        Flag(
            "convert-netconf",
            "turn the source's network configuration into networkd files: debian (config "
            "drive),\ndigitalocean, packet or vmware",
            arg="string",
        ),
        Flag("format", "report format: text or json", arg="string"),
        Flag(
            "from-cloudsigma-metadata",
            "read user data and metadata from CloudSigma's server context on /dev/ttyS1",
        ),
        Flag(
            "from-configdrive",
            "read user data and metadata from this config-drive directory (openstack/latest/)",
            arg="string",
        ),
        Flag(
            "from-digitalocean-metadata",
            "read user data and metadata from DigitalOcean's metadata service at this URL\n"
            "(pyignition's digitalocean provider)",
            arg="string",
        ),
        Flag(
            "from-ec2-metadata",
            "read user data and metadata from EC2's metadata service at this URL\n"
            "(pyignition's aws provider)",
            arg="string",
        ),
        Flag("from-file", "read user data from this file", arg="string"),
        Flag(
            "from-gce-metadata",
            "read user data and metadata from GCE's metadata service at this URL\n"
            "(pyignition's gcp provider)",
            arg="string",
        ),
        Flag(
            "from-metadata-service",
            "the EC2 metadata service at its own address (deprecated: use -from-ec2-metadata)",
        ),
        Flag(
            "from-packet-metadata",
            "read user data and metadata from Packet's metadata service at this URL\n"
            "(pyignition's packet provider)",
            arg="string",
        ),
        Flag(
            "from-proc-cmdline",
            "download user data from the URL in the cloud-config-url= kernel argument",
        ),
        Flag("from-url", "download user data from this URL", arg="string"),
        Flag(
            "from-vmware-guestinfo",
            "read user data and metadata from VMware guestinfo (the vmware provider)",
        ),
        Flag(
            "from-vmware-ovf-env",
            "read user data and metadata from this OVF environment file (guestinfo.* properties)",
            arg="string",
        ),
        Flag(
            "from-waagent",
            "read user data from this Azure agent directory (CustomData)",
            arg="string",
        ),
        Flag("ignore-failure", "exit with status 0 when the user data cannot be applied"),
        Flag(
            "oem",
            "the sources of an OEM: digitalocean, ec2-compat, gce, rackspace-onmetal, azure,\n"
            "cloudsigma, packet, vmware",
            arg="string",
        ),
        Flag(
            "root",
            "apply to this root directory instead of the running system",
            arg="string",
        ),
        Flag(
            "ssh-key-name",
            "store SSH keys as this key set: ~/.ssh/authorized_keys.d/NAME, merged into\n"
            "~/.ssh/authorized_keys as update-ssh-keys does",
            arg="string",
        ),
        Flag(
            "validate",
            "validate the user data and exit (0: no problems; 1: any error, warning or info)",
        ),
        Flag("version", "print the version and exit"),
        Flag("workspace", "where #! scripts are kept, in scripts/", arg="string"),
        _HELP,
    ),
    description="""With -validate, checks the user data and prints one line per problem on
stderr as the reference does ("line N: <kind>: <message>"), each followed by where it is
(file:line:column and path); "note:" lines tell what the reference does silently. Without
-validate, the user data is applied to / (as root) or to -root: converted as the engine
converts it at first boot, then written by ignition-apply's machinery. Give at least one
-from-* source (or -oem).""",
    example="coreos-cloudinit -validate -from-file user-data.yaml",
    example_says="check cloud-config user data; exit 1 if there is any problem",
    exits=(
        (0, "valid, or applied"),
        (1, "-validate: any error, warning or info; else: the user data could not be applied"),
        (2, "usage: an unknown flag or value, no source given, an empty -root"),
    ),
)

CONVERT = Command(
    name="ignition-convert",
    parser="ignition.commands.convert:flags",
    summary="turn cloud-config or a Container Linux Config into Butane (or Ignition)",
    usage="Usage: ignition-convert [flags] [FILE|-]\n\n",
    flags=(
        Flag("files-dir", "ct: directory of the files that contents.local names", arg="string"),
        Flag("from", "input dialect: auto, coreos-cloudinit, cloud-init or ct", arg="string"),
        Flag(
            "hostname", "coreos-cloudinit: host name to use when the config sets none", arg="string"
        ),
        Flag(
            "output",
            "write the output to this file",
            arg="string",
            default="standard output",
        ),
        Flag(
            "platform",
            "ct: the platform for {PRIVATE_IPV4} and friends (as ct's -platform)",
            arg="string",
        ),
        Flag("private-ipv4", "coreos-cloudinit: the value of $private_ipv4", arg="string"),
        Flag("private-ipv6", "coreos-cloudinit: the value of $private_ipv6", arg="string"),
        Flag("public-ipv4", "coreos-cloudinit: the value of $public_ipv4", arg="string"),
        Flag("public-ipv6", "coreos-cloudinit: the value of $public_ipv6", arg="string"),
        Flag("strict", "also fail (exit 1) on warnings"),
        Flag("to", "output: butane or ignition", arg="string"),
        Flag(
            "variant",
            "Butane variant: fcos or flatcar",
            arg="string",
            default="fcos for cloud-init, flatcar otherwise",
        ),
        Flag("version", "print the version and exit"),
        _HELP,
    ),
    description="""Converts coreos-cloudinit's cloud-config (also #! scripts and multipart
messages of those) to Butane for Flatcar, canonical cloud-init's cloud-config to Butane for
Fedora CoreOS (or Flatcar with -variant flatcar), and a Container Linux Config (ct's input)
to Butane for Flatcar. The dialect is told by the keys (-from forces one) and named on stderr.
What cannot be carried over is listed on stderr and at the head of the Butane, each with
file, line:column and path; the Butane is still written, for editing.""",
    example="ignition-convert user-data.yaml > config.bu",
    example_says="cloud-config to Butane, ready for butane --strict",
    exits=(
        (0, "everything was carried over"),
        (1, "something was not (listed), or the input cannot be read"),
        (2, "usage: an unknown flag or value, a variant the dialect cannot convert to"),
    ),
    help_to_stdout=True,
)

COMMANDS: tuple[Command, ...] = (
    IGNITION,
    PLAN,
    DETECT,
    VALIDATE,
    APPLY,
    RMCFG,
    BUTANE,
    CT,
    CLOUDINIT,
    CONVERT,
)
BY_NAME = {c.name: c for c in COMMANDS}
