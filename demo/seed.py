#!/usr/bin/env python3
"""Seeds the demo on a running stack (idempotent): meters, the freemium plan ladder, the demo customers of the
realm's users (alice -> cus_demo_alice on Pro, bob -> cus_demo_bob on Free) plus a few more, and one API key each.
Keys are written to .run/demo/keys.txt (local demo only; key-service stores only hashes)."""
import json, os, sys, urllib.error, urllib.parse, urllib.request

KC = os.environ.get("KEYCLOAK_URL", "http://127.0.0.1:8180")
SVC = {"key": "http://127.0.0.1:8081", "usage": "http://127.0.0.1:8083", "rating": "http://127.0.0.1:8084"}
OUT = os.environ.get("KEYS_FILE", ".run/demo/keys.txt")


def token():
    body = urllib.parse.urlencode({"grant_type": "password", "client_id": "apimon-cli", "username": "admin", "password": "admin"}).encode()
    with urllib.request.urlopen(KC + "/realms/apimon/protocol/openid-connect/token", data=body, timeout=10) as r:
        return json.load(r)["access_token"]


TOKEN = token()


def call(method, url, body=None, ok=(200, 201, 202, 204)):
    req = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=15) as r:
            text = r.read()
            return r.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as e:
        text = e.read()
        if e.code in ok:
            return e.code, json.loads(text) if text else None
        return e.code, (json.loads(text) if text else None)


def meter(slug, body):
    status, _ = call("POST", SVC["usage"] + "/v1/meters", body)
    print(f"  meter {slug}: {'created' if status in (200, 201) else 'exists' if status == 409 else status}")


def plan(doc):
    status, page = call("GET", SVC["rating"] + "/v1/plans?code=" + doc["code"] + "&status=published")
    if status == 200 and page["data"]:
        print(f"  plan {doc['code']}: published v{page['data'][-1]['version']} exists")
        return
    status, created = call("POST", SVC["rating"] + "/v1/plans", doc)
    if status != 201:
        sys.exit(f"could not create plan {doc['code']}: {status} {created}")
    status, _ = call("POST", f"{SVC['rating']}/v1/plans/{doc['code']}/versions/{created['version']}/publish")
    print(f"  plan {doc['code']}: v{created['version']} published ({status})")


def customer(cid, name, plan_code, region, rate):
    status, body = call("POST", SVC["key"] + "/v1/customers", {"id": cid, "external_id": "demo-" + cid, "name": name,
                                                               "email": f"billing@{cid}.example", "currency": "USD",
                                                               "attributes": {"region": region, "segment": "demo"}})
    if status not in (201, 409):
        sys.exit(f"could not create customer {cid}: {status} {body}")
    status, sub = call("GET", f"{SVC['key']}/v1/customers/{cid}/subscription")
    if status != 200:
        status, sub = call("POST", f"{SVC['key']}/v1/customers/{cid}/subscription", {"plan_code": plan_code})
        if status not in (200, 201):
            sys.exit(f"could not subscribe {cid} to {plan_code}: {status} {sub}")
    existing = [l for l in open(OUT)] if os.path.exists(OUT) else []
    mine = [l.split()[2] for l in existing if l.startswith(cid + " ")]
    if mine:
        # the file outlives key-service's database (bin/apimon down --purge, a dropped database): reuse the key only
        # while key-service still has it active, else forget it and issue a new one
        status, keys = call("GET", f"{SVC['key']}/v1/customers/{cid}/keys")
        live = [k for k in (keys or {}).get("data", []) if not k.get("revoked_at") and k.get("status", "active") == "active"]
        if status == 200 and any(mine[0].startswith(k.get("start", "?")) for k in live):
            print(f"  customer {cid}: on {plan_code}, key exists")
            return
        with open(OUT, "w") as f:
            f.writelines(l for l in existing if not l.startswith(cid + " "))
    status, key = call("POST", f"{SVC['key']}/v1/customers/{cid}/keys", {"name": "demo traffic"})
    if status != 201:
        sys.exit(f"could not issue a key for {cid}: {status} {key}")
    with open(OUT, "a") as f:
        f.write(f"{cid} {rate} {key['key']}\n")
    print(f"  customer {cid}: on {plan_code}, key {key['start']}…")


def backfill(cid, calls):
    """Usage earlier in the current period, so the demo's spend moves at once. Event ids are derived from the
    period, so a re-run is deduplicated by usage-service instead of counted twice."""
    status, sub = call("GET", f"{SVC['key']}/v1/customers/{cid}/subscription")
    if status != 200:
        return
    start = sub["current_period_start"]
    for first in range(0, calls, 1000):
        batch = [{"specversion": "1.0", "id": f"demo-backfill-{cid}-{start}-{i}", "source": "demo-seed", "type": "api.request",
                  "subject": cid, "time": start, "data": {"endpoint": "GET /pets", "status": 200, "bytes": 120}}
                 for i in range(first, min(first + 1000, calls))]
        req = urllib.request.Request(SVC["usage"] + "/v1/events", method="POST", data=json.dumps(batch).encode(),
                                     headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/cloudevents-batch+json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
    print(f"  customer {cid}: {calls} calls earlier this period (from {start})")


os.makedirs(os.path.dirname(OUT), exist_ok=True)
print("==> demo data")
meter("api_calls", {"slug": "api_calls", "event_type": "api.request", "aggregation": "count", "group_by": {"endpoint": "$.endpoint"}})
meter("response_bytes", {"slug": "response_bytes", "event_type": "api.request", "aggregation": "sum", "value_property": "$.bytes"})
pets = ["GET /pets/**", "GET /pets", "POST /pets"]
plan({"code": "free", "name": "Free", "currency": "USD", "interval": "month", "fee": "0.00",
      "rate_limits": [{"name": "default", "limit": 10, "window": "PT1M"}],
      "quotas": [{"meter": "api_calls", "limit": 1000, "enforcement": "hard"}],
      "entitlements": pets, "charges": [{"meter": "api_calls", "model": "per_unit", "unit_amount": "0"}]})
plan({"code": "pro", "name": "Pro", "currency": "USD", "interval": "month", "fee": "49.00",
      "credit_grant": {"amount": "5.00", "expires_after": "P1M"},
      "rate_limits": [{"name": "default", "limit": 100, "window": "PT1M"}],
      "quotas": [{"meter": "api_calls", "limit": 50000, "enforcement": "soft"}],
      "entitlements": pets, "charges": [{"meter": "api_calls", "model": "graduated", "tiers": [
          {"up_to": 50000, "unit_amount": "0"}, {"up_to": None, "unit_amount": "0.002"}]}]})
plan({"code": "enterprise", "name": "Enterprise", "currency": "USD", "interval": "month", "fee": "499.00",
      "minimum_commitment": "499.00",
      "rate_limits": [{"name": "default", "limit": 1000, "window": "PT1M"}],
      "quotas": [{"meter": "api_calls", "limit": 1000000, "enforcement": "soft"}],
      "entitlements": pets + ["feature:webhooks"], "charges": [{"meter": "api_calls", "model": "graduated", "tiers": [
          {"up_to": 1000000, "unit_amount": "0"}, {"up_to": None, "unit_amount": "0.001"}]}]})
customer("cus_demo_alice", "Alice Pets Ltd", "pro", "GB", 8)
backfill("cus_demo_alice", 49_900)  # Pro includes 50,000 calls: with this, the live traffic is billed as overage within a minute
customer("cus_demo_bob", "Bob's Bark Co", "free", "US", 0.3)
customer("cus_demo_carol", "Carol Critters GmbH", "enterprise", "DE", 12)
print("  keys in", OUT)
