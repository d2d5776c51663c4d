#!/bin/bash
# Test-only dracut module of the e2e suite (never installed on a real system): once the
# initramfs has done its work (initrd-switch-root.target reached, so Ignition's umount stage has
# run), dump the journal and the units' timings to the console and power the VM off, instead of
# switching to the (stub) root filesystem.
# shellcheck disable=SC2154 # variables set by dracut

check() {
    return 255
}

depends() {
    echo ignition
    return 0
}

install() {
    inst_script "$moddir/e2e-finish.sh" /usr/libexec/e2e-finish
    inst_simple "$moddir/e2e-finish.service" "$systemdsystemunitdir/e2e-finish.service"
    inst_simple "$moddir/e2e-emergency.service" "$systemdsystemunitdir/e2e-emergency.service"
    $SYSTEMCTL -q --root "$initdir" add-wants initrd-switch-root.target e2e-finish.service
    $SYSTEMCTL -q --root "$initdir" add-wants emergency.target e2e-emergency.service
}
