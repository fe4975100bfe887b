#!/usr/bin/env python3
"""Webhook delivery under faults, as a user would see it: a receiver on loopback that fails at
random (500 or 503, at most three times per message) checks every request's signature; the
service delivers to it while clients run whole lifecycles, and is killed with SIGKILL again and
again. At the end every event of the outbox must have been answered 2xx at least once, the
first delivery of each in version order per record; duplicates may only be the same
webhook-id again (a retry after a kill).

    webhooks.py --binary target/release/prospect-service --access ACCESS.json \\
                --store sqlite:PATH --keys KEYS.json --key pk_... [--kills 5] [--seconds 3]

Standard library only; uses load.py's lifecycle and fault.py's helpers. Prints a line for
scripts:

    events=E delivered=D lost=L out_of_order=O duplicates=U attempts=A failed_attempts=F

and exits 1 when an event is lost or out of order, or a signature does not verify.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault  # noqa: E402
import load  # noqa: E402

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class Receiver(http.server.ThreadingHTTPServer):
    """Keeps what it saw: (webhook-id, record, version, status) per request, in order."""

    def __init__(self, fail):
        super().__init__(("127.0.0.1", 0), Handler)
        self.fail = fail
        self.lock = threading.Lock()
        self.seen = []
        self.failures = {}  # webhook-id -> how many times it was failed on purpose
        self.bad_signatures = 0


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        id = self.headers.get("webhook-id", "")
        timestamp = self.headers.get("webhook-timestamp", "")
        key = base64.b64decode(SECRET.removeprefix("whsec_"))
        expected = base64.b64encode(hmac.new(key, f"{id}.{timestamp}.".encode() + body,
                                             hashlib.sha256).digest()).decode()
        signatures = [s.split(",", 1)[1] for s in self.headers.get("webhook-signature", "").split()
                      if s.startswith("v1,")]
        server = self.server
        data = json.loads(body)["data"]
        record = json.dumps(data["record"], sort_keys=True)
        with server.lock:
            if not any(hmac.compare_digest(expected, s) for s in signatures):
                server.bad_signatures += 1
            failed = server.failures.get(id, 0)
            status = 204
            if failed < 3 and random.random() < server.fail:
                server.failures[id] = failed + 1
                status = random.choice([500, 503])
            server.seen.append((id, record, data["version"], status))
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()


def outbox(port, key):
    """Every event of the outbox, as (webhook-id, record, version), in order."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"authorization": f"Bearer {key}"}
    events, after = [], 0
    while True:
        conn.request("GET", f"/events?after={after}&limit=1000", headers=headers)
        page = json.loads(conn.getresponse().read())
        for e in page["events"]:
            events.append((e["event"]["id"], json.dumps(e["event"]["record"], sort_keys=True),
                           e["event"]["version"]))
        if page["last"] is None:
            return events
        after = page["last"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--access", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--keys", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--port", type=int, default=3941)
    parser.add_argument("--kills", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--fail", type=float, default=0.3)
    args = parser.parse_args()

    receiver = Receiver(args.fail)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix="webhooks-")
    config = os.path.join(folder, "webhooks.json")
    with open(config, "w") as f:
        json.dump({"endpoints": [{"id": "receiver", "tenant": "default",
                                  "url": f"http://127.0.0.1:{receiver.server_port}/hook",
                                  "secret": SECRET}],
                   # The reference schedule's eight attempts, in tenths of a second.
                   "schedule_ms": [0, 100, 200, 400, 800, 1600, 3200, 6400]}, f)
    serve = [args.binary, "serve", "--access", args.access, "--store", args.store,
             "--keys", args.keys, "--addr", f"127.0.0.1:{args.port}", "--rate", "100000",
             "--webhooks", config, "--webhook-state", os.path.join(folder, "state.json")]

    for kill in range(args.kills + 1):
        service = subprocess.Popen(serve, stderr=subprocess.DEVNULL)
        if not fault.wait_for(args.port):
            print("the service did not start", file=sys.stderr)
            sys.exit(1)
        if kill == args.kills:
            break  # the last start: let it deliver what is left
        stop = time.monotonic() + args.seconds

        def client(c):
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
            n = 0
            while time.monotonic() < stop:
                n += 1
                try:
                    load.lifecycle(conn, args.key, f"w{kill}-{c}-{n}-{time.time_ns()}",
                                   lambda status, ms: None)
                except (OSError, http.client.HTTPException, ValueError):
                    return

        threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        service.send_signal(signal.SIGKILL)  # mid-load, mid-delivery
        service.wait()
        for t in threads:
            t.join()
        fault.wait_for(args.port, up=False)

    events = outbox(args.port, args.key)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with receiver.lock:
            delivered = {id for (id, _, _, status) in receiver.seen if status < 300}
        if all(id in delivered for (id, _, _) in events):
            break
        time.sleep(0.5)
    service.send_signal(signal.SIGTERM)
    service.wait()

    with receiver.lock:
        seen = list(receiver.seen)
    ok = [s for s in seen if s[3] < 300]
    delivered = {s[0] for s in ok}
    lost = [e for e in events if e[0] not in delivered]
    first, last_version, out_of_order = set(), {}, 0
    for (id, record, version, _) in ok:
        if id in first:
            continue
        first.add(id)
        if version <= last_version.get(record, 0):
            out_of_order += 1
        last_version[record] = version
    duplicates = len(ok) - len(delivered)
    failed = sum(1 for s in seen if s[3] >= 300)
    print(f"events={len(events)} delivered={len(delivered & {e[0] for e in events})} "
          f"lost={len(lost)} out_of_order={out_of_order} duplicates={duplicates} "
          f"attempts={len(seen)} failed_attempts={failed} bad_signatures={receiver.bad_signatures}")
    sys.exit(1 if lost or out_of_order or receiver.bad_signatures or not events else 0)


if __name__ == "__main__":
    main()
