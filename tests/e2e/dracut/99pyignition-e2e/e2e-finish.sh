#!/bin/sh
# Dump what the host checks, between markers, to the console; on success the unit then powers
# off ("e2e-finish emergency": the emergency path, where rd.emergency=poweroff does that).
exec >/dev/console 2>&1
# bench/guest_stages.py's probe, when the image has it (test module pyignition-profile)
if [ -e /usr/libexec/e2e-probe ]; then
    /usr/bin/python3 -I -S -B /usr/libexec/e2e-probe
fi
echo "E2E-JOURNAL-BEGIN"
if grep -qw e2e.journal=json /proc/cmdline; then
    # every field of every entry, one entry per line
    journalctl -b --all --no-pager -o json
else
    journalctl -b --all --no-pager -o short-monotonic
fi
echo "E2E-JOURNAL-END"
for unit in ignition-fetch-offline.service ignition-neednet.service ignition-fetch.service \
    ignition-kargs.service ignition-disks.service ignition-remount-sysroot.service \
    ignition-mount.service ignition-files.service; do
    echo "E2E-UNIT $unit $(systemctl show -P ActiveState "$unit") $(systemctl show -P Result "$unit") $(systemctl show -P ConditionResult "$unit")"
    # the stage process's own start and exit (µs of the guest's monotonic clock)
    echo "E2E-EXEC $unit $(systemctl show -P ExecMainStartTimestampMonotonic "$unit") $(systemctl show -P ExecMainExitTimestampMonotonic "$unit")"
done
if [ -d /sysroot/etc ] && grep -q ' /sysroot ' /proc/mounts; then
    echo "E2E-SYSROOT mounted"
fi
if [ "${1:-}" = emergency ]; then
    echo "E2E-EMERGENCY"
else
    echo "E2E-FINISHED"
fi
