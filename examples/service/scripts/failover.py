#!/usr/bin/env python3
"""Failover on PostgreSQL, as an operator would run it: two local clusters in streaming
replication (the standby synchronous: a commit returns once the standby has it), the service
on a multi-host URL with `target_session_attrs=read-write`, clients running whole lifecycles;
then the primary is stopped hard (`pg_ctl stop -m immediate`, no shutdown checkpoint) and the
standby promoted. The service must reconnect on its own, and every write it acknowledged, before
and after, must be on the new primary, at its version or later.

    failover.py --binary target/debug/prospect-service --access ACCESS.json \\
                [--seconds 4] [--clients 4]

Needs PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup); as root, the clusters run as
the system user `prospect` (made by scripts/postgres.sh start, or here when missing). Standard
library only; uses load.py's lifecycle. Prints a line for scripts:

    acknowledged=A before=B after=C checked=A missing=M older=O errors_during_failover=E
    first_write_after_ms=T   (from the primary's stop to the first write acknowledged once the
                              standby is promoted)
    consistent=yes|no        (`prospect-service check` on the new primary)

and exits 1 when a write acknowledged is missing or older, or nothing was acknowledged after the
failover (the service did not reconnect).
"""

import argparse
import glob
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault  # noqa: E402
import load  # noqa: E402


def bindir():
    found = shutil.which("pg_ctl")
    if found and os.path.exists(os.path.join(os.path.dirname(os.path.realpath(found)), "psql")):
        return os.path.dirname(os.path.realpath(found))
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                      key=lambda p: int(p.split("/")[-2]))
    if not versions:
        sys.exit("PostgreSQL's server programs are not installed: apt-get install postgresql")
    return versions[-1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Clusters:
    """A primary and its synchronous standby, in a temporary folder, owned by a non-root user."""

    def __init__(self):
        self.bin = bindir()
        self.dir = tempfile.mkdtemp(prefix="prospect-failover-")
        self.owner = None
        if os.geteuid() == 0:
            self.owner = "prospect"
            if subprocess.run(["id", "-u", self.owner], capture_output=True).returncode != 0:
                print(f"creating the system user {self.owner} to own the clusters", file=sys.stderr)
                subprocess.run(["useradd", "--system", "--no-create-home", self.owner], check=True)
            shutil.chown(self.dir, self.owner)
        self.primary, self.standby = free_port(), free_port()

    def run(self, *args, **kwargs):
        command = [os.path.join(self.bin, args[0]), *args[1:]]
        if self.owner:
            command = ["runuser", "-u", self.owner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, **kwargs)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip()}")
        return done

    def data(self, name):
        return os.path.join(self.dir, name)

    def start(self, name):
        self.run("pg_ctl", "-D", self.data(name), "-l", self.data(name) + ".log", "-w", "-t", "60",
                 "start")

    def up(self):
        primary = self.data("primary")
        self.run("initdb", "-D", primary, "-U", "prospect", "--auth=trust", "--encoding=UTF8")
        with open(os.path.join(primary, "postgresql.conf"), "a") as conf:
            conf.write(f"""
listen_addresses = '127.0.0.1'
port = {self.primary}
unix_socket_directories = '{self.dir}'
wal_level = replica
max_wal_senders = 4
synchronous_commit = on
""")
        self.start("primary")
        self.psql("CREATE DATABASE prospect")
        standby = self.data("standby")
        # A copy of the primary that follows it (-R: standby.signal and primary_conninfo).
        self.run("pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary), "-U", "prospect",
                 "-D", standby, "-R", "-X", "stream")
        with open(os.path.join(standby, "postgresql.conf"), "a") as conf:
            conf.write(f"\nport = {self.standby}\n")
        self.start("standby")
        # Synchronous once the standby follows (before, every commit would wait for it).
        self.psql("ALTER SYSTEM SET synchronous_standby_names = '*'")
        self.psql("SELECT pg_reload_conf()")
        for _ in range(100):
            state = self.psql("SELECT sync_state FROM pg_stat_replication")
            if state == "sync":
                return
            time.sleep(0.1)
        sys.exit(f"the standby is not synchronous: {state!r}")

    def psql(self, sql):
        """Runs `sql` on the primary; its output."""
        return self.run("psql", "-h", "127.0.0.1", "-p", str(self.primary), "-U", "prospect",
                        "-d", "postgres", "-Atc", sql).stdout.strip()

    def fail_over(self):
        """Stops the primary hard, then promotes the standby."""
        self.run("pg_ctl", "-D", self.data("primary"), "-m", "immediate", "-w", "stop")
        self.run("pg_ctl", "-D", self.data("standby"), "-w", "-t", "60", "promote")

    def down(self):
        for name in ("primary", "standby"):
            try:
                self.run("pg_ctl", "-D", self.data(name), "-m", "fast", "-w", "stop")
            except RuntimeError:
                pass  # already stopped
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--access", required=True)
    parser.add_argument("--port", type=int, default=3951)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    clusters = Clusters()
    service = None
    try:
        clusters.up()
        url = (f"postgres://prospect@127.0.0.1:{clusters.primary},127.0.0.1:{clusters.standby}"
               f"/prospect?target_session_attrs=read-write")
        keys = os.path.join(clusters.dir, "keys.json")
        tenant = str(uuid.uuid4())
        key = subprocess.run([args.binary, "keys", "create", "--user", "ops", "--tenant", tenant,
                              "--keys", keys], check=True, capture_output=True,
                             text=True).stdout.strip()
        service = subprocess.Popen([args.binary, "serve", "--access", args.access, "--store", url,
                                    "--keys", keys, "--addr", f"127.0.0.1:{args.port}",
                                    "--rate", "100000"], stderr=subprocess.DEVNULL)
        if not fault.wait_for(args.port):
            sys.exit("the service did not start")

        lock = threading.Lock()
        acknowledged = {}  # (kind, id) -> the highest version a 200 answered with
        counts = {"before": 0, "after": 0, "errors": 0}
        phase = {"failed_over": False}
        stop = time.monotonic() + 3 * args.seconds

        def written(kind, id, version):
            with lock:
                if phase.get("promoted") and "back" not in phase:
                    phase["back"] = time.monotonic()
                counts["after" if phase["failed_over"] else "before"] += 1
                if acknowledged.get((kind, id), 0) < version:
                    acknowledged[(kind, id)] = version

        def answered(status, ms):
            if status >= 500:
                with lock:
                    counts["errors"] += 1

        def client(c):
            n = 0
            while time.monotonic() < stop:
                n += 1
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                try:
                    load.lifecycle(conn, key, f"fo-{c}-{n}-{time.time_ns()}", answered, written)
                except (OSError, http.client.HTTPException, ValueError, KeyError, TypeError):
                    time.sleep(0.1)  # an answer that was not a write: go on with a new one
                finally:
                    conn.close()

        threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        phase["failed_over"] = True
        failed_at = time.monotonic()
        clusters.fail_over()
        phase["promoted"] = True
        for t in threads:
            t.join()

        # Every acknowledged write is on the new primary, read through the service, and its
        # cross-record invariants hold.
        missing, older = fault.read_back(args.port, key, acknowledged)
        consistent = fault.consistent(
            args.binary, f"postgres://prospect@127.0.0.1:{clusters.standby}/prospect", tenant)
        print(f"acknowledged={len(acknowledged)} before={counts['before']} "
              f"after={counts['after']} checked={len(acknowledged)} missing={missing} "
              f"older={older} errors_during_failover={counts['errors']} "
              f"first_write_after_ms={(phase.get('back', failed_at) - failed_at) * 1000:.0f} "
              f"consistent={'yes' if consistent else 'no'}")
        lost = missing or older or not consistent
        sys.exit(1 if lost or not counts["before"] or not counts["after"] else 0)
    finally:
        if service:
            service.send_signal(signal.SIGTERM)
            service.wait()
        clusters.down()


if __name__ == "__main__":
    main()
