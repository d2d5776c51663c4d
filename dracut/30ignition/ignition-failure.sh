#!/bin/sh
# ignition-failure: runs when emergency.target is reached. If an Ignition unit failed, it tells
# the console which stage failed and why: the engine's own error and critical messages from the
# journal (the engine never logs secrets: URLs are redacted, contents and hashes are not logged),
# or, when the engine logged none, the unit's exit status. Nothing is printed when no Ignition
# unit failed (the emergency has another cause).

set -u

console=/dev/console
[ -w "$console" ] || console=/dev/stderr

failed=
for unit in ignition-fetch-offline.service ignition-neednet.service ignition-fetch.service \
    ignition-kargs.service ignition-disks.service ignition-remount-sysroot.service \
    ignition-mount.service ignition-files.service; do
    if [ "$(systemctl show -P ActiveState "$unit" 2>/dev/null)" = failed ]; then
        failed="$failed $unit"
    fi
done
[ -n "$failed" ] || exit 0

{
    echo
    echo "------------------------------------------------------------------------------"
    for unit in $failed; do
        stage=${unit#ignition-}
        stage=${stage%.service}
        case $stage in
            neednet) what="bringing up the network for Ignition" ;;
            remount-sysroot) what="remounting /sysroot read-write for Ignition" ;;
            *) what="Ignition stage \"$stage\"" ;;
        esac
        echo "Ignition failed: $what ($unit)"
        reasons=$(journalctl -b -q --no-pager -o cat -p err "_SYSTEMD_UNIT=$unit" SYSLOG_IDENTIFIER=ignition 2>/dev/null | tail -n 20)
        if [ -n "$reasons" ]; then
            printf '%s\n' "$reasons" | sed 's/^/    /'
        else
            status=$(systemctl show -P ExecMainStatus "$unit" 2>/dev/null)
            result=$(systemctl show -P Result "$unit" 2>/dev/null)
            echo "    the unit ended with result \"${result:-unknown}\" (exit status ${status:-unknown}) and logged no error"
            # an engine crash: name the exception (its message only for a missing module or
            # library, which holds no data from the config)
            last=$(journalctl -b -q --no-pager -o cat "_SYSTEMD_UNIT=$unit" SYSLOG_IDENTIFIER=ignition 2>/dev/null |
                grep -E '^[A-Za-z_.]*(Error|Exception)(:|$)' | tail -n 1)
            case $last in
                ImportError:* | ModuleNotFoundError:*) echo "    $last" ;;
                ?*) echo "    ${last%%:*}" ;;
            esac
            # exit status 2 is a usage error (no or unknown platform, ...): the CLI's own message
            if [ "$status" = 2 ]; then
                journalctl -b -q --no-pager -o cat "_SYSTEMD_UNIT=$unit" SYSLOG_IDENTIFIER=ignition 2>/dev/null |
                    grep -v '^Ignition\|^Stage:' | head -n 1 | sed 's/^/    /'
            fi
        fi
    done
    echo "The boot stops here: no Ignition stage after the failed one ran."
    echo "Full log: journalctl -t ignition --all (add systemd.journald.max_level_console=debug to see it on the console)"
    echo "------------------------------------------------------------------------------"
    echo
} >"$console" 2>&1
exit 0
