"""Device naming rules that need no devices."""

from __future__ import annotations

from ignition.system.devices import alias_path, link_query, partition_node


def test_partition_names_follow_the_kernel() -> None:
    assert partition_node("/dev/vda", 4) == "/dev/vda4"
    assert partition_node("/dev/loop3", 1) == "/dev/loop3p1"
    assert partition_node("/dev/nvme0n1", 2) == "/dev/nvme0n1p2"


def test_links_that_can_be_found_without_udev() -> None:
    assert link_query("/dev/disk/by-label/ROOT") == ("LABEL", "ROOT")
    assert link_query("/dev/disk/by-partlabel/my\\x20data") == ("PARTLABEL", "my data")
    assert link_query("/dev/disk/by-uuid/abc") == ("UUID", "abc")
    assert link_query("/dev/disk/by-partuuid/abc") == ("PARTUUID", "abc")
    assert link_query("/dev/disk/by-id/virtio-x") is None
    assert link_query("/dev/vda") is None


def test_alias_keeps_the_path_as_written() -> None:
    got = alias_path("/run/ignition/dev_aliases", "/dev/disk/by-label/ROOT")
    assert got == "/run/ignition/dev_aliases/dev/disk/by-label/ROOT"
