#!/usr/bin/env python3
"""Kills the service with SIGKILL under load, again and again, then checks that every write it
acknowledged is there: for each record a `200` answered with, the stored record is at that
version or later. Every command carries an `Idempotency-Key`; the commands a kill left
unanswered are sent again, with their keys, once the service is back (as a client retries):
each must be answered `200` (replayed when the first had committed), and a lead opened by a
retried `open_lead` must be its contact's only lead.

    fault.py --binary target/release/prospect-service --access ACCESS.json --store sqlite:PATH \\
             --keys KEYS.json --key pk_... [--kills 5] [--seconds 3] [--clients 8]

Standard library only; uses load.py's lifecycle. Prints a line for scripts:

    kills=K acknowledged=A checked=C missing=M older=O retried=R replayed=P retry_failed=F duplicates=D
    consistent=yes|no   (`prospect-service check`: the store's cross-record invariants)

and exits 1 when a write acknowledged is missing or older than acknowledged, a retry fails or
a retried lead has a twin.
"""

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import load  # noqa: E402


def wait_for(port, up=True, seconds=20):
    for _ in range(int(seconds * 10)):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return True
        except OSError:
            if not up:
                return True
        time.sleep(0.1)
    return False


def read_back(port, key, acknowledged):
    """Reads every record a 200 acknowledged through the service on `port`: how many are
    missing, and how many are at an older version than acknowledged."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"authorization": f"Bearer {key}"}
    missing = older = 0
    for (kind, id), version in sorted(acknowledged.items()):
        conn.request("GET", f"/records/{kind}/{id}", headers=headers)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            missing += 1
        elif json.loads(body)["records"][0]["version"] < version:
            older += 1
    return missing, older


def consistent(binary, store, tenant=None):
    """Whether `prospect-service check` finds the store's cross-record invariants hold
    (printing what it found when not)."""
    command = [binary, "check", "--store", store] + (["--tenant", tenant] if tenant else [])
    check = subprocess.run(command, capture_output=True, text=True)
    if check.returncode != 0:
        print(check.stdout + check.stderr, file=sys.stderr)
    return check.returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--access", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--keys", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port", type=int, default=3931)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    serve = [args.binary, "serve", "--access", args.access, "--store", args.store,
             "--keys", args.keys, "--addr", f"127.0.0.1:{args.port}", "--rate", "100000"]
    lock = threading.Lock()
    acknowledged = {}  # (kind, id) -> the highest version a 200 answered with

    def written(kind, id, version):
        with lock:
            if acknowledged.get((kind, id), 0) < version:
                acknowledged[(kind, id)] = version

    unanswered = []  # (command, idempotency key) a kill left without an answer
    headers = {"authorization": f"Bearer {args.key}", "content-type": "application/json"}
    retried = {"sent": 0, "replayed": 0, "failed": 0, "duplicates": 0}

    def retry_unanswered():
        """Sends again, with its key, each command a kill left unanswered."""
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
        while unanswered:
            command, key = unanswered.pop()
            conn.request("POST", "/commands", body=json.dumps(command),
                         headers=dict(headers, **{"idempotency-key": key}))
            response = conn.getresponse()
            body = response.read()
            retried["sent"] += 1
            # Each client's steps follow each other: nothing else moved its records, so the
            # retry is answered 200, from the first commit or by its own.
            if response.status != 200:
                retried["failed"] += 1
                print(f"retry {key}: {response.status} {body[:200]!r}", file=sys.stderr)
                continue
            retried["replayed"] += response.getheader("idempotent-replayed") == "true"
            for w in json.loads(body)["records"]:
                written(w["record"]["type"], w["record"]["id"], w["version"])
            if command["step"] == "open_lead":
                contact = command["args"]["contact"]
                conn.request("GET", f"/records/lead?contact={contact}", headers=headers)
                leads = json.loads(conn.getresponse().read())["records"]
                retried["duplicates"] += len(leads) != 1

    for kill in range(args.kills):
        service = subprocess.Popen(serve, stderr=subprocess.DEVNULL)
        if not wait_for(args.port):
            print("the service did not start", file=sys.stderr)
            sys.exit(1)
        stop = time.monotonic() + args.seconds

        retry_unanswered()

        def client(c):
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
            n = 0
            in_flight = {}
            while time.monotonic() < stop + 5:
                n += 1
                try:
                    load.lifecycle(conn, args.key, f"f{kill}-{c}-{n}-{time.time_ns()}",
                                   lambda status, ms: None, written, in_flight)
                except (OSError, http.client.HTTPException, ValueError):
                    # The service died under this client: its round is over, and the command
                    # it was waiting on is retried when the service is back.
                    if "command" in in_flight:
                        with lock:
                            unanswered.append(in_flight["command"])
                    return

        threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        service.send_signal(signal.SIGKILL)  # mid-load: requests in flight die with it
        service.wait()
        for t in threads:
            t.join()
        wait_for(args.port, up=False)
    # Every acknowledged write is there, at its version or later.
    service = subprocess.Popen(serve, stderr=subprocess.DEVNULL)
    wait_for(args.port)
    retry_unanswered()
    missing, older = read_back(args.port, args.key, acknowledged)
    service.send_signal(signal.SIGTERM)
    service.wait()
    # The store's cross-record invariants (a converted lead has its one opportunity, ...).
    is_consistent = consistent(args.binary, args.store)
    print(f"kills={args.kills} acknowledged={len(acknowledged)} checked={len(acknowledged)} "
          f"missing={missing} older={older} retried={retried['sent']} "
          f"replayed={retried['replayed']} retry_failed={retried['failed']} "
          f"duplicates={retried['duplicates']} consistent={'yes' if is_consistent else 'no'}")
    failed = missing or older or retried["failed"] or retried["duplicates"] or not is_consistent
    sys.exit(1 if failed or not acknowledged else 0)


if __name__ == "__main__":
    main()
