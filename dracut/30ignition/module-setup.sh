#!/bin/bash
# dracut module "ignition": pyignition (the Python Ignition) in a systemd initramfs.
#
# dracut sources this file and calls check, depends, installkernel and install; the helpers
# (require_binaries, inst_*, instmods, dfatal, ...) and variables ($initdir, $moddir,
# $systemdsystemunitdir, $SYSTEMCTL, ...) are dracut's.
#
# Settings: a dracut.conf.d file, the environment, or pyignition.conf next to this file (written
# by "make install-dracut"), in that order of precedence:
#   pyignition_python        interpreter that runs the engine in the initramfs
#                            (default: /usr/bin/python3, resolved to python3.X)
#   pyignition_path          ':'-separated directories holding the engine packages and their
#                            dependencies (default: the interpreter's own sys.path)
#   pyignition_exclude       third-party packages left out (default: boto3,botocore,s3transfer,
#                            jmespath: only s3:// URLs need them)
#   pyignition_kargs_helper  the distribution's ignition-kargs-helper (default: a stub that
#                            refuses, so kernelArguments fail the boot instead of being ignored)
# shellcheck disable=SC2154 # variables set by dracut

_pyi_settings() {
    local saved_python=${pyignition_python-} saved_path=${pyignition_path-}
    local saved_exclude=${pyignition_exclude-} saved_kargs=${pyignition_kargs_helper-}
    if [[ -r "$moddir/pyignition.conf" ]]; then
        # shellcheck source=/dev/null
        . "$moddir/pyignition.conf"
    fi
    pyignition_python=${saved_python:-${pyignition_python:-/usr/bin/python3}}
    pyignition_path=${saved_path:-${pyignition_path-}}
    pyignition_exclude=${saved_exclude:-${pyignition_exclude:-boto3,botocore,s3transfer,jmespath}}
    pyignition_kargs_helper=${saved_kargs:-${pyignition_kargs_helper-}}
    pyignition_python=$(readlink -f "$pyignition_python")
}

# Tools the stages run; the optional ones serve only some configs.
_PYI_TOOLS=(sgdisk partx wipefs blkid lsblk udevadm mount umount mkfs.ext4 mke2fs systemctl)
# what the generator and the helper scripts call
_PYI_SHELL_TOOLS=(cat ln mkdir rm sed grep head tail sort tr journalctl)
_PYI_OPTIONAL_TOOLS=(
    mkfs.xfs mkfs.fat mkfs.vfat mkfs.btrfs mkswap cryptsetup mdadm dmsetup
    useradd usermod userdel groupadd groupmod groupdel
    setfiles clevis clevis-luks-bind clevis-luks-unlock clevis-luks-common-functions
    clevis-encrypt-sss clevis-encrypt-tang clevis-encrypt-tpm2 clevis-decrypt clevis-decrypt-sss
    clevis-decrypt-tang clevis-decrypt-tpm2 pwmake tpm2_create tpm2_createpolicy
    is-live-image ldconfig
)

check() {
    _pyi_settings
    require_binaries "${_PYI_TOOLS[@]}" "$pyignition_python" || return 1
    # included only when asked for (--add ignition) or required by another module
    return 255
}

depends() {
    # qemu: fw_cfg and virtio drivers; dm: device-mapper udev rules (cryptsetup waits for them);
    # systemd-networkd: the network for ignition.config.url and remote resources
    echo systemd systemd-initrd systemd-journald dracut-systemd udev-rules qemu dm systemd-networkd
    return 0
}

installkernel() {
    # the config's filesystems, LUKS and RAID, whatever the build host uses
    hostonly='' instmods ext4 xfs vfat nls_cp437 nls_iso8859_1 dm_crypt raid0 raid1 raid10 raid456 \
        md_mod qemu_fw_cfg virtio_blk virtio_pci virtio_net virtio_scsi virtio_rng
    # dm-crypt's default cipher (aes-xts-plain64) and cryptsetup's kernel crypto API backend
    hostonly='' instmods xts ecb cbc aes_generic aesni_intel sha256_generic sha512_generic \
        af_alg algif_skcipher algif_hash
    if [[ -x "$(command -v mkfs.btrfs)" ]]; then
        hostonly='' instmods btrfs
    fi
    # platforms: Hyper-V KVP (hyperv), vsock (applehv), config drives (iso9660, udf)
    hostonly='' instmods hv_utils vsock vmw_vsock_virtio_transport isofs udf
}

# _pyi_inst_elf SRC DST: a shared object and every library it links (ldd's answer)
_pyi_inst_elf() {
    local lib
    inst_simple "$1" "$2" || return 1
    while read -r lib; do
        [[ -e $lib ]] && inst_library "$lib"
    done < <(ldd "$1" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p')
    return 0
}

_pyi_install_python() {
    local py=$pyignition_python stage src dst
    stage=$(mktemp -d "${DRACUT_TMPDIR:-/tmp}/pyignition.XXXXXX") || return 1
    # the module set as sourceless bytecode, laid out as the image root (see the helper)
    if ! "$py" -I -S "$moddir/pyignition-collect.py" --site "$pyignition_path" \
        --exclude "$pyignition_exclude" --dest "$stage/root" --elf-list "$stage/elf.list" \
        --module-list "$stage/modules.list" >&2; then
        dfatal "ignition: could not collect the engine's Python modules with $py"
        return 1
    fi
    inst_binary "$py" || return 1
    ln_r "$py" /usr/bin/python3
    cp -a "$stage/root/." "$initdir/"
    # extension modules (stdlib and third-party) with their libraries (libssl for _ssl, ...):
    # dracut resolves the libraries of executables only, and these are mode 0644
    while IFS=$'\t' read -r src dst; do
        [[ -n $src ]] && { _pyi_inst_elf "$src" "$dst" || return 1; }
    done <"$stage/elf.list"
    # what the image holds, for whoever wonders why a module is (not) there
    inst_simple "$stage/modules.list" /usr/lib/pyignition/MODULES
    # libraries the engine loads with ctypes (libblkid probing, pyudev), found through ldconfig
    inst_libdir_file libblkid.so.1 libudev.so.1
    # system CA roots for https:// (the reference uses the system pool plus the config's CAs)
    inst_multiple -o /etc/ssl/certs/ca-certificates.crt
    # -I: isolated (no PYTHON* variables, no user site, no script directory on sys.path);
    # -S: no site module; -B: never write bytecode (there is no source to compile anyway)
    cat >"$initdir/usr/bin/ignition" <<EOF
#!$py -ISB
# pyignition's stage runner (dracut module "ignition")
import sys

sys.path.insert(0, "/usr/lib/pyignition")
from ignition.commands.cli import main

raise SystemExit(main())
EOF
    chmod 0755 "$initdir/usr/bin/ignition"
    rm -rf "$stage"
}

install() {
    local unit
    _pyi_settings
    inst_multiple "${_PYI_TOOLS[@]}" "${_PYI_SHELL_TOOLS[@]}" || return 1
    inst_multiple -o "${_PYI_OPTIONAL_TOOLS[@]}"
    inst_multiple -o /etc/mke2fs.conf
    # mdadm: /dev/md/NAME links (not the incremental assembly rules: Ignition creates arrays)
    inst_rules 63-md-raid-arrays.rules 01-md-raid-creating.rules
    # config drives (openstack, ibmcloud, kubevirt, ...) appear as CD-ROMs
    inst_rules 60-cdrom_id.rules

    _pyi_install_python || return 1

    inst_script "$moddir/ignition-generator" "$systemdutildir/system-generators/ignition-generator"
    if [[ -n $pyignition_kargs_helper ]]; then
        inst_script "$pyignition_kargs_helper" /usr/sbin/ignition-kargs-helper
    else
        inst_script "$moddir/ignition-kargs-helper.sh" /usr/sbin/ignition-kargs-helper
    fi
    inst_script "$moddir/ignition-neednet.sh" /usr/libexec/ignition-neednet
    inst_script "$moddir/ignition-failure.sh" /usr/libexec/ignition-failure

    for unit in ignition-complete.target ignition-diskful.target ignition-subsequent.target \
        ignition-diskful-subsequent.target ignition-fetch-offline.service ignition-fetch.service \
        ignition-kargs.service ignition-disks.service ignition-mount.service \
        ignition-files.service ignition-remount-sysroot.service ignition-neednet.service \
        ignition-failure.service; do
        inst_simple "$moddir/$unit" "$systemdsystemunitdir/$unit" || return 1
    done
    # the stage units are what ignition-complete.target stands for; a missing one fails the build
    $SYSTEMCTL -q --root "$initdir" add-requires ignition-complete.target \
        ignition-fetch-offline.service ignition-fetch.service ignition-kargs.service \
        ignition-disks.service ignition-mount.service ignition-files.service || return 1
    $SYSTEMCTL -q --root "$initdir" add-requires ignition-diskful.target \
        ignition-remount-sysroot.service || return 1
    $SYSTEMCTL -q --root "$initdir" add-wants ignition-complete.target \
        ignition-neednet.service || return 1
    $SYSTEMCTL -q --root "$initdir" add-wants emergency.target ignition-failure.service || return 1
}
