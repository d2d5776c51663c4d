#!/bin/sh
# ignition-neednet: brings the network up in the initramfs because fetch-offline left the flag
# /run/ignition/neednet (the config, or a resource it references, is only reachable over the
# network). This is the distribution's network bring-up keyed on the neednet flag (docs/initramfs.md).
#
# Network configuration: whatever systemd-networkd already has in /run or /etc (for instance
# from ip= on the kernel command line, through systemd-network-generator); if there is none,
# DHCP on every Ethernet link. Then wait until one link is online (at most
# IGNITION_NETWORK_TIMEOUT seconds, default 120) and, without a resolver of its own, write
# /etc/resolv.conf from the DHCP leases so that host names resolve.

set -eu

timeout=${IGNITION_NETWORK_TIMEOUT:-120}
fallback=/run/systemd/network/95-ignition-dhcp.network

configured=no
for f in /run/systemd/network/*.network /etc/systemd/network/*.network; do
    [ -e "$f" ] && [ "$f" != "$fallback" ] && configured=yes
done
if [ "$configured" = no ]; then
    mkdir -p /run/systemd/network
    cat >"$fallback" <<NETWORK
# written by ignition-neednet: no network configuration was given
[Match]
Type=ether

[Network]
DHCP=yes
NETWORK
    echo "ignition-neednet: no network configuration given: DHCP on every Ethernet link"
fi

# networkd may already run (socket activation when the first link appeared): restart it so it
# reads the configuration written above
systemctl restart systemd-networkd.service

wait_online=
for d in /usr/lib/systemd /lib/systemd; do
    if [ -x "$d/systemd-networkd-wait-online" ]; then
        wait_online=$d/systemd-networkd-wait-online
        break
    fi
done
if [ -z "$wait_online" ]; then
    echo "ignition-neednet: systemd-networkd-wait-online is not in the initramfs" >&2
    exit 1
fi
if ! "$wait_online" --any --timeout="$timeout"; then
    echo "ignition-neednet: no network link came online within ${timeout}s" >&2
    exit 1
fi

if [ ! -s /etc/resolv.conf ]; then
    servers=$(cat /run/systemd/netif/leases/* 2>/dev/null | sed -n 's/^DNS=//p' | tr ' ' '\n' | sort -u)
    if [ -n "$servers" ]; then
        rm -f /etc/resolv.conf
        for s in $servers; do
            echo "nameserver $s"
        done >/etc/resolv.conf
    fi
fi
echo "ignition-neednet: network is online"
