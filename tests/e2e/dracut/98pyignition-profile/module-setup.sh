#!/bin/bash
# Test-only dracut module of bench/guest_stages.py (never installed on a real system): every
# stage runs under "python -X importtime" (its import times land in the journal), and the e2e
# report first times, in the booted guest, the interpreter alone and the engine's start-up.
# shellcheck disable=SC2154 # variables set by dracut

check() {
    return 255
}

depends() {
    echo ignition pyignition-e2e
    return 0
}

install() {
    local unit key line dir
    for unit in ignition-fetch-offline ignition-fetch ignition-kargs ignition-disks \
        ignition-mount ignition-files; do
        dir="$initdir$systemdsystemunitdir/$unit.service.d"
        mkdir -p "$dir"
        {
            echo "[Service]"
            for key in ExecStart ExecStop; do
                line=$(grep "^$key=/usr/bin/ignition " "$moddir/../30ignition/$unit.service") ||
                    continue
                echo "$key="
                echo "$key=/usr/bin/python3 -I -S -B -X importtime /usr/bin/ignition ${line#*/usr/bin/ignition }"
            done
        } >"$dir/50-importtime.conf"
    done
    inst_script "$moddir/e2e-probe.py" /usr/libexec/e2e-probe
}
