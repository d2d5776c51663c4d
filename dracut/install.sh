#!/bin/sh
# Install the dracut module "ignition" (dracut/30ignition) into a dracut module directory.
#
#   dracut/install.sh [--engine-python PY] [--runtime-python PY] [--dracutdir DIR]
#
# --dracutdir       dracut's base directory (default /usr/lib/dracut); the module goes to
#                   DIR/modules.d/30ignition
# --engine-python   an interpreter that can import the engine (default: .venv/bin/python of this
#                   checkout if present, else python3); its package directories are recorded in
#                   pyignition.conf so that dracut copies the engine from there
# --runtime-python  the interpreter that runs in the initramfs (default /usr/bin/python3); must be
#                   the same minor version as the engine's dependencies were installed for
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$here/30ignition
dracutdir=/usr/lib/dracut
engine_python=
runtime_python=/usr/bin/python3
while [ $# -gt 0 ]; do
    case $1 in
        --dracutdir) dracutdir=$2; shift 2 ;;
        --engine-python) engine_python=$2; shift 2 ;;
        --runtime-python) runtime_python=$2; shift 2 ;;
        *) echo "usage: $0 [--engine-python PY] [--runtime-python PY] [--dracutdir DIR]" >&2; exit 2 ;;
    esac
done
if [ -z "$engine_python" ]; then
    if [ -x "$here/../.venv/bin/python" ]; then
        engine_python=$here/../.venv/bin/python
    else
        engine_python=python3
    fi
fi

path=$("$engine_python" - <<'PY'
import os
import sysconfig

import ignition
import providers

dirs = [os.path.dirname(os.path.dirname(os.path.abspath(m.__file__))) for m in (ignition, providers)]
paths = sysconfig.get_paths()
dirs += [paths["purelib"], paths["platlib"]]
print(":".join(dict.fromkeys(os.path.realpath(d) for d in dirs)))
PY
)
runtime=$(readlink -f "$runtime_python")
want=$("$engine_python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
have=$("$runtime" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$want" != "$have" ]; then
    echo "install.sh: the engine's environment is Python $want but $runtime is $have" >&2
    exit 1
fi

dest=$dracutdir/modules.d/30ignition
mkdir -p "$dest"
for f in "$src"/*; do
    [ -f "$f" ] || continue
    case $f in
        *.sh | */ignition-generator | *.py) install -m 0755 "$f" "$dest/" ;;
        *) install -m 0644 "$f" "$dest/" ;;
    esac
done
cat >"$dest/pyignition.conf" <<CONF
# written by dracut/install.sh: where dracut finds the engine and which Python runs it
pyignition_python=$runtime
pyignition_path=$path
CONF
echo "installed the dracut module ignition into $dest (engine from $path, runtime $runtime)"
