#!/bin/sh
# Runs a command the way a container runtime would, for the data-plane node.
# Called through `ip netns exec <pod namespace>`, which already put this shell
# into the pod's network namespace and a private mount namespace of its own, so
# the mounts below are seen by this command only, never by the host. The
# container's root is a directory of its own (its image's files); the host's
# /usr (read-only), /dev, /proc and /sys are mounted into it, then it chroots.
# Usage: enter-container.sh <root> <command> [args...]
set -e
root=$1
shift
mount --rbind /usr "$root/usr"
mount -o remount,bind,ro "$root/usr"
mount --rbind /dev "$root/dev"
mount --rbind /proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --bind /etc/alternatives "$root/etc/alternatives"
exec chroot "$root" "$@"
