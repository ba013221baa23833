# A small tmpfs as the state directory, and a filler to make it full: a full disk for real.
# Mounting needs root: without it, or when the mount fails, the test says why and skips (77).

# tmpfs_state SIZE: mounts a tmpfs of SIZE (256k, 1m) on $XDG_STATE_HOME until the exit.
tmpfs_state() {
    if [ "$(id -u)" != 0 ]; then
        echo "SKIP: filling a disk for real needs root to mount a small tmpfs"
        exit 77
    fi
    if ! mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$XDG_STATE_HOME" 2> "$T/mount.err"; then
        echo "SKIP: cannot mount a tmpfs on $XDG_STATE_HOME: $(cat "$T/mount.err")"
        exit 77
    fi
    TMPFS_NEXT_HOOK=${CLEANUP_HOOK:-}
    CLEANUP_HOOK=tmpfs_cleanup
}

# A process killed a moment ago may still hold a file there: then it is detached lazily.
tmpfs_cleanup() {
    [ -n "$TMPFS_NEXT_HOOK" ] && $TMPFS_NEXT_HOOK
    umount "$XDG_STATE_HOME" 2> /dev/null || umount -l "$XDG_STATE_HOME"
}

# fill_state KIB: fills the tmpfs until KIB KiB are left (0: not one byte).
fill_state() {
    rm -f "$XDG_STATE_HOME/filler"
    local avail
    avail=$(df -B1 --output=avail "$XDG_STATE_HOME" | tail -1 | tr -d ' ')
    if [ "$avail" -gt $(( $1 * 1024 )) ]; then
        fallocate -l $(( avail - $1 * 1024 )) "$XDG_STATE_HOME/filler"
    fi
    avail=$(df -B1 --output=avail "$XDG_STATE_HOME" | tail -1 | tr -d ' ')
    [ "$avail" -le $(( $1 * 1024 )) ] || fail "could not fill $XDG_STATE_HOME ($avail bytes left)"
}

free_state() {
    rm -f "$XDG_STATE_HOME/filler"
}
