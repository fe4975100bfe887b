#!/usr/bin/env python3
"""Load on a running prospect-service, as a user would put it: CLIENTS clients, each running
whole lifecycles (contact, lead, touch, qualify, propose, negotiate, contracting, win, then the
records read back) for SECONDS seconds over HTTP on loopback. Prints requests per second, p50,
p99 and the answers by status, then a line for scripts:

    requests=N seconds=S rps=R p50_ms=A p99_ms=B errors=E statuses=200:n,409:m

Standard library only. Usage:

    load.py --url http://127.0.0.1:3000 --key pk_... [--clients 16] [--seconds 60]

Exits 1 when an answer is neither 2xx nor an expected 409 (a lost race), or when no lifecycle
completed.
"""

import argparse
import datetime
import http.client
import json
import socket
import sys
import threading
import time
import urllib.parse


def lifecycle(conn, key, n, record, on_written=lambda kind, id, version: None, in_flight=None):
    """One whole lifecycle; `record(status, ms)` for each request, `on_written(kind, id,
    version)` for each record a `200` acknowledged. With `in_flight` (a dict), each command is
    sent with an `Idempotency-Key` and kept in `in_flight["command"]` as `(body, key)` until
    its answer is read: what a client retries when its connection dies. Returns whether it
    won."""
    today = datetime.date.today()
    headers = {"authorization": f"Bearer {key}", "content-type": "application/json"}

    def call(method, path, body=None, extra=None):
        started = time.perf_counter()
        conn.request(method, path, body=None if body is None else json.dumps(body),
                     headers=dict(headers, **(extra or {})))
        response = conn.getresponse()
        data = response.read()
        record(response.status, (time.perf_counter() - started) * 1000)
        return response.status, (json.loads(data) if data else None)

    def step(name, args):
        command, extra = {"step": name, "args": args}, None
        if in_flight is not None:
            extra = {"idempotency-key": f"{n}-{name}"}
            in_flight["command"] = (command, extra["idempotency-key"])
        status, body = call("POST", "/commands", command, extra)
        if in_flight is not None:
            in_flight.pop("command", None)
        if status != 200:
            return None
        for w in body["records"]:
            on_written(w["record"]["type"], w["record"]["id"], w["version"])
        return [(w["record"]["id"], w["version"]) for w in body["records"]]

    eur = lambda major: {"currency": "EUR", "minor": major * 100}
    written = step("create_contact", {"details": {
        "party": {"kind": "person", "name": f"Load {n}"},
        "email": f"load-{n}@example.com", "source": "web", "owner": None}})
    if not written:
        return False
    contact = written[0][0]
    written = step("open_lead", {"contact": contact,
                                 "interest": {"summary": "A CRM", "role": "user"}})
    if not written:
        return False
    lead, v = written[0]
    written = step("touch", {"lead": lead, "version": v,
                             "touch": {"channel": "call", "summary": "Discovery call"}})
    if not written:
        return False
    lead, v = written[0]
    written = step("qualify", {"lead": lead, "version": v, "qualification": {
        "need": {"summary": "Replace spreadsheets", "requirements": ["40 seats"]},
        "budget": eur(30000),
        "timeline": {"assessed_on": today.isoformat(),
                     "decision_date": (today + datetime.timedelta(days=60)).isoformat()},
        "authority": None}})
    if not written:
        return False
    o, v = written[1]
    written = step("propose", {"opportunity": o, "version": v, "proposal": {
        "summary": "40 seats", "amount": eur(36000), "sent_on": today.isoformat()}})
    if not written:
        return False
    o, v = written[0]
    written = step("negotiate", {"opportunity": o, "version": v, "note": "Price"})
    if not written:
        return False
    o, v = written[0]
    written = step("enter_contracting", {"opportunity": o, "version": v,
                                         "terms": {"net_days": 30, "installments": 4, "note": None},
                                         "incumbent": "none_in_place"})
    if not written:
        return False
    o, v = written[0]
    written = step("win", {"opportunity": o, "version": v, "contract": {
        "reference": f"C-{n}", "signed_by": "Paul Durand", "signed_on": today.isoformat(),
        "value": eur(30000)}})
    if not written:
        return False
    call("GET", f"/records/opportunity/{o}")
    call("GET", "/records/lead?state=converted&limit=10")
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--report-readers", type=int, default=0,
                        help="threads reading GET /report meanwhile, timed apart")
    args = parser.parse_args()
    url = urllib.parse.urlparse(args.url)
    lock = threading.Lock()
    times, statuses, won, reports = [], {}, [0], []
    deadline = time.monotonic() + args.seconds

    def record(status, ms):
        with lock:
            times.append(ms)
            statuses[status] = statuses.get(status, 0) + 1

    def client(c):
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        n = 0
        while time.monotonic() < deadline:
            n += 1
            try:
                if lifecycle(conn, args.key, f"{c}-{n}-{time.time_ns()}", record):
                    with lock:
                        won[0] += 1
            except (OSError, http.client.HTTPException):
                record(0, 0)
                conn.close()
                conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)

    # The service may still be starting: wait for its port (up to 10 s).
    for _ in range(100):
        try:
            socket.create_connection((url.hostname, url.port or 80), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    deadline = time.monotonic() + args.seconds
    def reader():
        conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
        headers = {"authorization": f"Bearer {args.key}"}
        while time.monotonic() < deadline:
            started = time.perf_counter()
            conn.request("GET", "/report", headers=headers)
            response = conn.getresponse()
            response.read()
            with lock:
                reports.append((time.perf_counter() - started) * 1000)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(args.clients)]
    threads += [threading.Thread(target=reader) for _ in range(args.report_readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))] if times else 0.0
    errors = sum(n for s, n in statuses.items() if not (200 <= s < 300 or s == 409))
    line = " ".join([
        f"requests={len(times)}", f"seconds={elapsed:.1f}", f"rps={len(times) / elapsed:.0f}",
        f"p50_ms={pick(0.50):.1f}", f"p99_ms={pick(0.99):.1f}", f"errors={errors}",
        "statuses=" + ",".join(f"{s}:{n}" for s, n in sorted(statuses.items())),
        f"lifecycles={won[0]}",
    ])
    print(f"{args.clients} clients, {elapsed:.1f} s: {len(times)} requests, "
          f"{len(times) / elapsed:.0f}/s, p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, "
          f"{won[0]} lifecycles won")
    if reports:
        reports.sort()
        at = lambda q: reports[min(len(reports) - 1, int(q * len(reports)))]
        line += f" report_requests={len(reports)} report_p50_ms={at(0.5):.1f} report_p99_ms={at(0.99):.1f}"
    print(line)
    sys.exit(1 if errors or won[0] == 0 else 0)


if __name__ == "__main__":
    main()
