#!/bin/sh
# Install the Debian packages qaeci's local back end runs (nginx, MariaDB, Redis, Memcached,
# ZooKeeper, build tools) and the Chromium and chromedriver the history page's tests drive
# headless (tests/web). Idempotent: packages already present are not reinstalled and apt's
# index is refreshed at most once per run. qaeci runs its own instances of every service, so the
# distribution's system services are never started (policy-rc.d while installing) and are stopped
# and disabled afterwards if anything started them anyway.
set -eu

PACKAGES="nginx mariadb-server mariadb-client mariadb-backup redis-server memcached zookeeper
git make pigz isal ca-certificates procps curl chromium chromium-driver"
SERVICES="nginx mariadb mysql redis-server memcached zookeeper"

if [ "$(id -u)" -eq 0 ]; then
    as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
    as_root() { sudo "$@"; }
else
    echo "install-system-deps: run as root or install sudo (needed for apt-get)" >&2
    exit 1
fi

missing_packages() {
    for pkg in $PACKAGES; do
        status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
        case "$status" in
            *" installed") ;;
            *) printf '%s ' "$pkg" ;;
        esac
    done
}

# Keep the packages' maintainer scripts from starting system-wide daemons.
POLICY=/usr/sbin/policy-rc.d
policy_added=no
block_service_starts() {
    if [ ! -e "$POLICY" ]; then
        as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $POLICY && chmod 755 $POLICY"
        policy_added=yes
    fi
}
unblock_service_starts() {
    if [ "$policy_added" = yes ]; then
        as_root rm -f "$POLICY"
    fi
}

stop_and_disable_system_services() {
    for svc in $SERVICES; do
        if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
            as_root systemctl disable --now "$svc" >/dev/null 2>&1 || true
        else
            if [ -x "/etc/init.d/$svc" ]; then
                as_root "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
                as_root update-rc.d "$svc" disable >/dev/null 2>&1 || true
            fi
        fi
    done
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
    echo "install-system-deps: installing $missing"
    block_service_starts
    trap unblock_service_starts EXIT
    export DEBIAN_FRONTEND=noninteractive
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086  # the list is meant to split into words
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o DPkg::Lock::Timeout=600 $missing
    unblock_service_starts
    trap - EXIT
else
    echo "install-system-deps: all packages present"
fi
stop_and_disable_system_services

for tool in nginx mariadbd mariadb-install-db mariadb-dump mariadb-backup redis-server \
            memcached git make chromium chromedriver; do
    if ! command -v "$tool" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$tool" ]; then
        echo "install-system-deps: $tool is still missing after installing" >&2
        exit 1
    fi
done
if [ ! -f /usr/share/zookeeper/bin/zkServer.sh ] && [ ! -d /usr/share/java ]; then
    echo "install-system-deps: zookeeper is still missing after installing" >&2
    exit 1
fi
echo "install-system-deps: ok"
