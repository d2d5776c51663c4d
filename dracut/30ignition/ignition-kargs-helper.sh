#!/bin/sh
# ignition-kargs-helper: the distribution's hook for the kargs stage (docs/engine.md, docs/initramfs.md).
#
# Contract: called as
#     ignition-kargs-helper --should-exist ARG ... --should-not-exist ARG ...
# a real helper appends the missing --should-exist arguments to the boot loader's kernel command
# line, removes the present --should-not-exist ones (absent ones are not an error), and reboots
# (systemctl reboot --force) if it changed anything; a non-zero exit fails the kargs stage.
#
# This stub is installed when the distribution supplies none (dracut setting
# pyignition_kargs_helper): it changes nothing and fails, so a config that asks for kernel
# arguments stops the boot instead of being silently ignored.
echo "ignition-kargs-helper: changing kernel arguments is not supported by this Linux distribution" >&2
exit 1
