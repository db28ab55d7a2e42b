#!/usr/bin/env python3
"""Ingest -> live spend on the portal (SSE), against a running stack. Python 3 standard library only.

Each probe POSTs one usage event (usage-service, the gateway's client-credentials token) and is timed from the moment
its 202 came back until the first event on the customer's GET /api/me/spend/stream (portal-bff, the customer's bearer
token) whose total includes it. Every probe adds exactly 0.01 USD (plan bench-portal: per_unit 0.01 on the meter
bench_portal_units), so the expected totals are known in advance: base + i x 0.01, compared as exact decimal strings
(a snapshot that covers several probes at once has a larger total; it counts for each of them - "coalesced").
Same-run baseline: a thread polls rating-service's GET /v1/customers/{id}/spend (admin token) every POLL_MS and the
same probes are timed until a poll answer shows their total - the source of truth, without the billing.spend ->
portal-bff -> SSE hop. See bench/portal/run.sh for the environment variables.
"""
import http.client
import json
import math
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timezone
from decimal import Decimal

KC = os.environ.get("KEYCLOAK_URL", "http://127.0.0.1:8180")
BFF, KEY, USAGE, RATING = 8080, 8081, 8083, 8084
PROBES = int(os.environ.get("PROBES", "200"))
RATE = float(os.environ.get("RATE", "5"))
WARMUP = int(os.environ.get("WARMUP", "5"))
LOAD_RATE = int(os.environ.get("LOAD_RATE", "0"))
LOAD_CUSTOMERS = int(os.environ.get("LOAD_CUSTOMERS", "10"))
POLL_MS = int(os.environ.get("POLL_MS", "20"))
PROBE_TIMEOUT = float(os.environ.get("PROBE_TIMEOUT", "15"))
GATEWAY_SECRET = os.environ.get("GATEWAY_SECRET", "apimon-gateway-local-secret")
KC_ADMIN_USER = os.environ.get("KEYCLOAK_ADMIN_USER", "kcadmin")
KC_ADMIN_PASSWORD = os.environ.get("KEYCLOAK_ADMIN_PASSWORD", "kcadmin")

METER, EVENT_TYPE, PLAN, SOURCE = "bench_portal_units", "bench.portal.unit", "bench-portal", "bench-portal"
PRICE = Decimal("0.01")
CENT = Decimal("0.01")
PETS = ["GET /pets/**", "GET /pets", "POST /pets"]
# the demo's Free plan (demo/seed.py) plus the bench meter at 0.01 USD per unit
PLAN_DOC = {"code": PLAN, "name": "Bench (portal)", "currency": "USD", "interval": "month", "fee": "0.00",
            "rate_limits": [{"name": "default", "limit": 10, "window": "PT1M"}],
            "quotas": [{"meter": "api_calls", "limit": 1000, "enforcement": "hard"}],
            "entitlements": PETS,
            "charges": [{"meter": "api_calls", "model": "per_unit", "unit_amount": "0"},
                        {"meter": METER, "model": "per_unit", "unit_amount": str(PRICE)}]}
BOB = {"id": "cus_demo_bob", "external_id": "demo-cus_demo_bob", "name": "Bob's Bark Co",
       "email": "billing@cus_demo_bob.example", "currency": "USD", "attributes": {"region": "US", "segment": "demo"}}
BENCH_USER = ("bench-portal", "bench-portal", "cus_bench_portal")


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def die(msg, code=1):
    print(f"error: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def token(form, realm="apimon"):
    body = urllib.parse.urlencode(form).encode()
    try:
        with urllib.request.urlopen(f"{KC}/realms/{realm}/protocol/openid-connect/token", data=body, timeout=15) as r:
            return json.load(r)["access_token"]
    except urllib.error.HTTPError as e:
        die(f"token for {form.get('username') or form.get('client_id')} from {KC}: HTTP {e.code} {e.read()[:200]!r}")
    except OSError as e:
        die(f"Keycloak at {KC} does not answer ({e}); the stack's Keycloak must run (bin/apimon up)", 2)


def user_token(user, password):
    return token({"grant_type": "password", "client_id": "apimon-cli", "username": user, "password": password})


class Http:
    """One keep-alive connection per thread and service."""

    def __init__(self, port, host="127.0.0.1"):
        self.host, self.port, self.conn = host, port, None

    def request(self, method, path, body=None, headers=None, timeout=30):
        data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers or {})
                r = self.conn.getresponse()
                raw = r.read()
                return r.status, raw
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise

    def json(self, method, path, tok, body=None, content_type="application/json"):
        headers = {"Authorization": "Bearer " + tok, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = content_type
        status, raw = self.request(method, path, body, headers)
        try:
            return status, (json.loads(raw) if raw else None)
        except ValueError:
            return status, raw.decode(errors="replace")


def now_rfc3339():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event(customer, eid):
    return {"specversion": "1.0", "id": eid, "source": SOURCE, "type": EVENT_TYPE, "subject": customer,
            "time": now_rfc3339(), "data": {"bench": "portal"}}


# ------------------------------------------------------------------------------------------------- setup
def ensure_meter(usage, admin):
    status, body = usage.json("POST", "/v1/meters", admin, {"slug": METER, "event_type": EVENT_TYPE, "aggregation": "count"})
    if status not in (200, 201):
        die(f"meter {METER}: HTTP {status} {body}")
    log(f"meter {METER}: {'created' if status == 201 else 'exists'}")


def ensure_plan(rating, admin):
    status, page = rating.json("GET", f"/v1/plans?code={PLAN}&status=published", admin)
    if status == 200 and page.get("data"):
        plan = page["data"][-1]
        charge = next((c for c in plan.get("charges", []) if c.get("meter") == METER), None)
        if charge and Decimal(charge.get("unit_amount", "0")) != PRICE:
            die(f"plan {PLAN} v{plan['version']} charges {charge} - the bench needs per_unit {PRICE}")
        log(f"plan {PLAN}: published v{plan['version']} exists")
        return
    status, created = rating.json("POST", "/v1/plans", admin, PLAN_DOC)
    if status != 201:
        die(f"could not create plan {PLAN}: HTTP {status} {created}")
    status, body = rating.json("POST", f"/v1/plans/{PLAN}/versions/{created['version']}/publish", admin)
    if status not in (200, 201):
        die(f"could not publish plan {PLAN}: HTTP {status} {body}")
    log(f"plan {PLAN}: v{created['version']} published")


def subscribe(key, admin, customer):
    """Subscribes to the bench plan (waiting until key-service has the plan from billing.catalog)."""
    deadline = time.monotonic() + 60
    while True:
        status, body = key.json("POST", f"/v1/customers/{customer}/subscription", admin, {"plan_code": PLAN})
        if status in (200, 201):
            return
        if status == 400 and time.monotonic() < deadline:  # key-service has not consumed the plan yet
            time.sleep(0.5)
            continue
        die(f"could not subscribe {customer} to {PLAN}: HTTP {status} {body}")


def plan_of(key, admin, customer):
    status, sub = key.json("GET", f"/v1/customers/{customer}/subscription", admin)
    return (sub.get("plan") or {}).get("code") if status == 200 else None


def ensure_customer(key, admin, body):
    status, got = key.json("POST", "/v1/customers", admin, body)
    if status not in (201, 409):
        die(f"could not create customer {body['id']}: HTTP {status} {got}")
    return status == 201


def ensure_keycloak_user():
    """The fallback customer user (only when the demo owns cus_demo_bob): realm user bench-portal, role customer."""
    user, password, customer = BENCH_USER
    kc = token({"grant_type": "password", "client_id": "admin-cli", "username": KC_ADMIN_USER, "password": KC_ADMIN_PASSWORD},
               realm="master")
    u = urllib.parse.urlparse(KC)
    h = Http(u.port or 80, u.hostname)
    status, found = h.json("GET", f"/admin/realms/apimon/users?username={user}&exact=true", kc)
    if status != 200:
        die(f"Keycloak admin API: HTTP {status} {found}")
    if not found:
        status, body = h.json("POST", "/admin/realms/apimon/users", kc, {
            "username": user, "enabled": True, "email": f"{user}@bench.example", "emailVerified": True,
            "firstName": "Bench", "lastName": "Portal", "attributes": {"customer_id": [customer]},
            "credentials": [{"type": "password", "value": password, "temporary": False}]})
        if status != 201:
            die(f"could not create Keycloak user {user}: HTTP {status} {body}")
        status, found = h.json("GET", f"/admin/realms/apimon/users?username={user}&exact=true", kc)
        status, role = h.json("GET", "/admin/realms/apimon/roles/customer", kc)
        status, body = h.json("POST", f"/admin/realms/apimon/users/{found[0]['id']}/role-mappings/realm", kc, [role])
        if status != 204:
            die(f"could not give {user} the role customer: HTTP {status} {body}")
        log(f"Keycloak user {user} (customer_id {customer}) created")
    return user, password, customer


def choose_customer(key, admin):
    """bob / cus_demo_bob unless the demo owns it; then the Keycloak user bench-portal / cus_bench_portal."""
    if ensure_customer(key, admin, BOB):
        log("customer cus_demo_bob created (as demo/seed.py would: same id, name and attributes)")
    plan = plan_of(key, admin, BOB["id"])
    if plan is None:
        subscribe(key, admin, BOB["id"])
        log(f"cus_demo_bob subscribed to {PLAN}")
        return "bob", "bob", BOB["id"]
    if plan == PLAN:
        log(f"cus_demo_bob is on {PLAN} (an earlier run)")
        return "bob", "bob", BOB["id"]
    log(f"cus_demo_bob belongs to the demo (plan {plan}): left alone; using the Keycloak user {BENCH_USER[0]}")
    user, password, customer = ensure_keycloak_user()
    ensure_customer(key, admin, {"id": customer, "external_id": "bench-" + customer, "name": "Portal bench",
                                 "email": "billing@bench.example", "currency": "USD", "attributes": {"region": "XX", "segment": "bench"}})
    if plan_of(key, admin, customer) is None:
        subscribe(key, admin, customer)
    elif plan_of(key, admin, customer) != PLAN:
        die(f"{customer} is on another plan than {PLAN}")
    return user, password, customer


# ------------------------------------------------------------------------------------------------- measuring
class SseReader(threading.Thread):
    """Reads GET /api/me/spend/stream like a browser's EventSource; records (arrival, total) of every event."""

    def __init__(self, tok):
        super().__init__(daemon=True, name="sse")
        self.tok, self.events, self.lock = tok, [], threading.Condition()
        self.status, self.ended, self.error, self.conn = None, False, None, None

    def run(self):
        try:
            self.conn = http.client.HTTPConnection("127.0.0.1", BFF, timeout=None)
            self.conn.request("GET", "/api/me/spend/stream", headers={"Authorization": "Bearer " + self.tok, "Accept": "text/event-stream"})
            r = self.conn.getresponse()
            with self.lock:
                self.status = r.status
                self.lock.notify_all()
            if r.status != 200:
                self.error = f"HTTP {r.status} {r.read()[:300]!r}"
                return
            data, first_at = [], None
            while True:
                line = r.readline()
                if not line:
                    break
                at = time.monotonic()
                line = line.decode("utf-8").rstrip("\r\n")
                if line.startswith("data:"):
                    first_at = first_at or at
                    data.append(line[5:].lstrip(" "))
                elif line == "" and data:
                    doc = json.loads("\n".join(data))
                    with self.lock:
                        self.events.append((first_at, doc.get("total")))
                        self.lock.notify_all()
                    data, first_at = [], None
        except Exception as e:  # noqa: BLE001 - reported below
            self.error = repr(e)
        finally:
            self.ended = True
            with self.lock:
                self.lock.notify_all()

    def latest(self):
        with self.lock:
            return self.events[-1][1] if self.events else None

    def wait_for(self, pred, timeout):
        deadline = time.monotonic() + timeout
        with self.lock:
            while not pred():
                left = deadline - time.monotonic()
                if left <= 0 or self.ended:
                    return pred()
                self.lock.wait(left)
            return True


class Poller(threading.Thread):
    """The baseline: rating-service's GET /v1/customers/{id}/spend every POLL_MS; records (arrival, total)."""

    def __init__(self, customer, tok):
        super().__init__(daemon=True, name="poller")
        self.customer, self.tok, self.polls, self.stop, self.errors = customer, tok, [], False, 0

    def run(self):
        h = Http(RATING)
        while not self.stop:
            start = time.monotonic()
            try:
                status, body = h.json("GET", f"/v1/customers/{self.customer}/spend", self.tok)
                at = time.monotonic()
                if status == 200:
                    self.polls.append((at, body.get("total")))
                else:
                    self.errors += 1
            except OSError:
                self.errors += 1
            time.sleep(max(0.0, POLL_MS / 1000 - (time.monotonic() - start)))

    def latest(self):
        return self.polls[-1][1] if self.polls else None


class Load(threading.Thread):
    """Optional background ingest: LOAD_RATE priced events/s over LOAD_CUSTOMERS other customers, in batches every 100 ms."""

    def __init__(self, tok, customers):
        super().__init__(daemon=True, name="load")
        self.tok, self.customers, self.stop, self.sent, self.rejected, self.errors = tok, customers, False, 0, 0, 0

    def run(self):
        h, n, tick = Http(USAGE), 0, time.monotonic()
        per_tick = max(1, round(LOAD_RATE / 10))
        while not self.stop:
            batch = []
            for _ in range(per_tick):
                n += 1
                batch.append(event(self.customers[n % len(self.customers)], f"load-{uuid.uuid4().hex}"))
            try:
                status, body = h.json("POST", "/v1/events", self.tok, batch, "application/cloudevents-batch+json")
                if status == 202:
                    self.sent += body.get("accepted", 0)
                    self.rejected += len(body.get("rejected", []))
                else:
                    self.errors += 1
            except OSError:
                self.errors += 1
            tick += 0.1
            time.sleep(max(0.0, tick - time.monotonic()))


def percentile(values, p):
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def summary(name, delays_ms):
    if not delays_ms:
        return f"  {name}: no measurement"
    return (f"  {name}: count {len(delays_ms)}  p50 {percentile(delays_ms, 50):.1f} ms  p95 {percentile(delays_ms, 95):.1f} ms"
            f"  p99 {percentile(delays_ms, 99):.1f} ms  max {max(delays_ms):.1f} ms")


def first_at_least(records, expected, not_before_index):
    """Index and arrival of the first record (from not_before_index on) whose total is >= expected."""
    for k in range(not_before_index, len(records)):
        at, total = records[k]
        if total is not None and Decimal(total) >= expected:
            return k, at, total
    return None


def post_event(usage, gateway, customer, eid, deadline_s=0.0):
    """POST one event; with deadline_s, retries while usage-service does not know the customer yet."""
    deadline = time.monotonic() + deadline_s
    while True:
        status, body = usage.json("POST", "/v1/events", gateway, event(customer, eid), "application/cloudevents+json")
        if status == 202 and body.get("accepted") == 1:
            return
        if time.monotonic() < deadline:
            time.sleep(0.5)
            continue
        die(f"event {eid} not accepted: HTTP {status} {body}")


def main():
    load_before = open("/proc/loadavg").read().split()[:3]
    admin = user_token("admin", "admin")
    gateway = token({"grant_type": "client_credentials", "client_id": "apimon-gateway", "client_secret": GATEWAY_SECRET})
    key, usage, rating = Http(KEY), Http(USAGE), Http(RATING)

    log("setup (idempotent)")
    ensure_meter(usage, admin)
    ensure_plan(rating, admin)
    user, password, customer = choose_customer(key, admin)
    load_customers = []
    if LOAD_RATE > 0:
        for k in range(1, LOAD_CUSTOMERS + 1):
            cid = f"cus_bench_load_{k:02d}"
            ensure_customer(key, admin, {"id": cid, "external_id": "bench-" + cid, "name": f"Portal bench load {k}",
                                         "email": f"{cid}@bench.example", "currency": "USD", "attributes": {"region": "XX", "segment": "bench"}})
            if plan_of(key, admin, cid) is None:
                subscribe(key, admin, cid)
            load_customers.append(cid)
        log(f"{len(load_customers)} background-load customers on {PLAN}")
    customer_token = user_token(user, password)

    # rating knows the subscription (its spend answers) before anything is measured
    deadline = time.monotonic() + 60
    while True:
        status, spend = rating.json("GET", f"/v1/customers/{customer}/spend", admin)
        if status == 200 and (spend.get("plan") or {}).get("code", PLAN) == PLAN:
            break
        if time.monotonic() > deadline:
            die(f"rating-service does not know {customer}'s subscription after 60 s: HTTP {status} {spend}")
        time.sleep(0.5)

    sse = SseReader(customer_token)
    sse.start()
    if not sse.wait_for(lambda: sse.status is not None, 15) or sse.status != 200:
        die(f"GET /api/me/spend/stream as {user}: {sse.error or 'no answer'}")
    load = None
    if load_customers:
        load = Load(gateway, load_customers)
        load.start()

    # warm-up (not measured): the pipeline is connected and warm, and both views agree on the base total
    run = uuid.uuid4().hex[:10]
    status, spend = rating.json("GET", f"/v1/customers/{customer}/spend", admin)
    start_total = Decimal(spend["total"])
    for w in range(1, WARMUP + 1):
        post_event(usage, gateway, customer, f"{run}-warmup-{w}", deadline_s=60 if w == 1 else 0)
    base = (start_total + WARMUP * PRICE).quantize(CENT)
    if not sse.wait_for(lambda: sse.latest() is not None and Decimal(sse.latest()) >= base, 60):
        die(f"warm-up: the stream shows {sse.latest()}, expected {base} ({sse.error or 'stream open'})")
    poller = Poller(customer, admin)
    poller.start()
    while poller.latest() is None or Decimal(poller.latest()) < base:
        time.sleep(0.05)
    if Decimal(sse.latest()) != base or Decimal(poller.latest()) != base:
        die(f"warm-up: stream {sse.latest()}, rating {poller.latest()}, expected {base}: another writer adds {METER} for {customer}?")
    sse_from, poll_from = len(sse.events), len(poller.polls)

    log(f"{PROBES} probes at {RATE}/s for {customer} (signed in as {user}), base total {base} USD, "
        + (f"background load {LOAD_RATE} events/s" if LOAD_RATE else "no background load"))
    probes = []  # (expected total as a decimal string, time the 202 came back)
    interval, next_at = 1.0 / RATE, time.monotonic()
    for i in range(1, PROBES + 1):
        time.sleep(max(0.0, next_at - time.monotonic()))
        next_at += interval
        post_event(usage, gateway, customer, f"{run}-probe-{i}")
        probes.append((str((base + i * PRICE).quantize(CENT)), time.monotonic()))
    final = Decimal(probes[-1][0])
    sse.wait_for(lambda: sse.latest() is not None and Decimal(sse.latest()) >= final, PROBE_TIMEOUT)
    deadline = time.monotonic() + PROBE_TIMEOUT
    while (poller.latest() is None or Decimal(poller.latest()) < final) and time.monotonic() < deadline:
        time.sleep(0.05)
    poller.stop = True
    if load:
        load.stop = True
    load_after = open("/proc/loadavg").read().split()[:3]
    with sse.lock:
        sse_events = list(sse.events[sse_from:])
    polls = list(poller.polls[poll_from:])

    def delays(records):
        out, exact, coalesced, early, lost, k = [], 0, 0, 0, 0, 0
        for expected, returned_at in probes:
            hit = first_at_least(records, Decimal(expected), k)
            if hit is None:
                lost += 1
                continue
            k, at, total = hit
            exact += total == expected
            coalesced += total != expected
            early += at < returned_at  # the change was visible before the client had read the 202
            out.append(max(0.0, (at - returned_at) * 1000))
        return out, exact, coalesced, early, lost

    stream, s_exact, s_coal, s_early, s_lost = delays(sse_events)
    base_d, b_exact, b_coal, b_early, b_lost = delays(polls)
    poll_gaps = [b[0] - a[0] for a, b in zip(polls, polls[1:])]
    stream_p99 = percentile(stream, 99) if stream else float("nan")
    base_p99 = percentile(base_d, 99) if base_d else float("nan")

    print(f"portal SSE bench — {datetime.now(timezone.utc).strftime('%Y-%m-%dT%H:%MZ')}, {os.cpu_count()} cores, "
          f"load average {' '.join(load_before)} before, {' '.join(load_after)} after")
    print(f"{PROBES} probes at {RATE}/s (one event each, +{PRICE} USD) for {customer} signed in as {user}; "
          + (f"background load {LOAD_RATE} events/s over {len(load_customers)} customers "
             f"({load.sent} accepted, {load.rejected} rejected, {load.errors} failed requests)" if load else "no background load"))
    print("ingest (POST /v1/events answered 202) -> first event on GET /api/me/spend/stream (portal-bff) with that total:")
    print(summary("stream", stream) + f"   [exact total {s_exact}, coalesced {s_coal}, before the 202 was read {s_early}, lost {s_lost}]")
    print(f"baseline, same run: -> first answer of rating-service GET /v1/customers/{customer}/spend with that total "
          f"(polled every {POLL_MS} ms; measured poll period {1000 * sum(poll_gaps) / max(1, len(poll_gaps)):.1f} ms):")
    print(summary("rating", base_d) + f"   [exact total {b_exact}, coalesced {b_coal}, before the 202 was read {b_early}, lost {b_lost}]")
    goal_met = stream and stream_p99 <= 1000 and s_lost == 0
    print(f"goal: stream p99 <= 1000 ms -> {'met' if goal_met else 'NOT met'} (p99 {stream_p99:.1f} ms)")
    if sse.error:
        print(f"stream error: {sse.error}")
    print(f"BENCH spend_stream_p99_ms={stream_p99:.1f} baseline_p99_ms={base_p99:.1f} spend_stream_p50_ms="
          f"{percentile(stream, 50) if stream else float('nan'):.1f} probes={PROBES} lost={s_lost}")
    sys.exit(0 if stream and s_lost == 0 and b_lost == 0 else 1)


if __name__ == "__main__":
    main()
