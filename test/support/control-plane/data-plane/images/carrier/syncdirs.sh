# Carrier's stand-in for syncdirs.sh <pod>/<container> <dir> [<dir>...]: the
# real one keeps the directories in sync with Stowaway's rsync; this one only
# records what it was asked (no file is synced in this tier).
target=$1
shift
mkdir -p /run/syncdirs
echo "$target $*" >> /run/syncdirs/requests
