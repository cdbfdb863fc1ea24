# test/lib.sh: shared by test/run_all.sh and demo/run_demo.sh.
# Installs Debian packages, builds and installs the extension, and starts or
# stops a throwaway PostgreSQL cluster on a private socket.

PG_BINDIR=/usr/lib/postgresql/15/bin
REQUIRED_PACKAGES="postgresql-15 postgresql-server-dev-15 postgresql-15-cron libopenblas-dev pkg-config \
clang llvm make gcc python3 python3-numpy python3-sklearn"

# Install what is missing (as root) or say what to install (otherwise).
ensure_packages() {
	local missing="" p
	for p in $REQUIRED_PACKAGES "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "missing Debian packages:$missing" >&2
		echo "install them with: sudo apt-get install -y$missing" >&2
		return 1
	fi
	echo "== installing Debian packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# postgresql-common would otherwise create and start a default cluster we do not use.
	mkdir -p /etc/postgresql-common
	if [ ! -f /etc/postgresql-common/createcluster.conf ] || ! grep -q '^create_main_cluster *= *false' /etc/postgresql-common/createcluster.conf; then
		echo "create_main_cluster = false" >> /etc/postgresql-common/createcluster.conf
	fi
	apt-get install -y -qq $missing >/dev/null
}

# Run as root directly, otherwise through sudo.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

build_and_install() {
	echo "== building and installing the extension"
	make -s PG_CONFIG=/usr/bin/pg_config >/dev/null
	as_root make -s install PG_CONFIG=/usr/bin/pg_config >/dev/null
}

# The account that owns the throwaway cluster: postgres when we are root.
cluster_user() {
	if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

run_as_cluster_user() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# start_cluster [extra postgresql.conf lines...]: sets PGHOST, PGPORT, PGUSER, CLUSTER_DIR.
start_cluster() {
	CLUSTER_DIR=$(mktemp -d /tmp/anomaly-cluster.XXXXXX)
	chmod 755 "$CLUSTER_DIR"
	[ "$(id -u)" -eq 0 ] && chown postgres "$CLUSTER_DIR"
	run_as_cluster_user "$PG_BINDIR/initdb" -D "$CLUSTER_DIR/data" -U postgres --auth=trust \
		--no-sync -E UTF8 --locale=C >"$CLUSTER_DIR/initdb.log" 2>&1 || { cat "$CLUSTER_DIR/initdb.log"; return 1; }
	PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	{
		echo "port = $PGPORT"
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$CLUSTER_DIR'"
		echo "fsync = off"
		echo "max_worker_processes = 16"
		echo "cron.database_name = 'postgres'"
		for line in "$@"; do echo "$line"; done
	} >>"$CLUSTER_DIR/data/postgresql.conf"
	run_as_cluster_user "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w start >/dev/null ||
		{ cat "$CLUSTER_DIR/server.log"; return 1; }
	export PGHOST="$CLUSTER_DIR" PGPORT PGUSER=postgres PGDATABASE=postgres
}

stop_cluster() {
	[ -n "${CLUSTER_DIR:-}" ] || return 0
	run_as_cluster_user "$PG_BINDIR/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$CLUSTER_DIR"
	CLUSTER_DIR=""
}

# locked_cluster [postgresql.conf lines...]: for the demo and the benchmarks.
# Holds the install lock (file descriptor 9, released when the script exits)
# so that no other checkout installs its build meanwhile, builds and installs
# this checkout, and starts a throwaway cluster that is stopped on exit.
locked_cluster() {
	exec 9>/tmp/anomaly-install.lock
	flock 9
	build_and_install
	trap stop_cluster EXIT
	start_cluster "$@"
}
