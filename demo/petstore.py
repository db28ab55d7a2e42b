#!/usr/bin/env python3
"""The demo API that apimon sells: a tiny pet store behind nginx.

nginx authorizes every request with quota-service (auth_request -> /v1/authorize) and passes the customer in
X-Customer-Id. After serving, the pet store reports one usage event per request to usage-service in batches,
as a provider's API would (idempotent: the event id is the request id, so a retried batch counts once).
"""
import json, os, random, sys, threading, time, urllib.parse, urllib.request, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PETSTORE_PORT", "8090"))
USAGE_URL = os.environ.get("USAGE_URL", "http://127.0.0.1:8083/v1/events")
TOKEN_URL = os.environ.get("TOKEN_URL", "http://127.0.0.1:8180/realms/apimon/protocol/openid-connect/token")
CLIENT_ID = os.environ.get("GATEWAY_CLIENT_ID", "apimon-gateway")
CLIENT_SECRET = os.environ.get("GATEWAY_CLIENT_SECRET", "apimon-gateway-local-secret")
PETS = [{"id": i, "name": n} for i, n in enumerate(["Rex", "Tom", "Kitty", "Nemo", "Polly", "Bella"], start=1)]

pending, lock = [], threading.Lock()
token = {"value": None, "expires": 0}


def access_token():
    if time.time() < token["expires"] - 30:
        return token["value"]
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}).encode()
    with urllib.request.urlopen(urllib.request.Request(TOKEN_URL, data=body), timeout=5) as r:
        t = json.load(r)
    token.update(value=t["access_token"], expires=time.time() + t.get("expires_in", 300))
    return token["value"]


def reporter():
    while True:
        time.sleep(0.5)
        with lock:
            batch = pending[:1000]
        if not batch:
            continue
        try:
            req = urllib.request.Request(USAGE_URL, data=json.dumps(batch).encode(), method="POST", headers={
                "Content-Type": "application/cloudevents-batch+json", "Authorization": "Bearer " + access_token()})
            with urllib.request.urlopen(req, timeout=10) as r:
                r.read()
            with lock:
                del pending[:len(batch)]  # only after the 202: a failed batch is retried with the same ids
        except Exception as e:  # usage-service or Kafka down: keep the events and retry
            print("usage report failed, retrying:", e, file=sys.stderr)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def serve(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        customer = self.headers.get("X-Customer-Id")
        if customer:
            with lock:
                pending.append({"specversion": "1.0", "id": self.headers.get("X-Request-Id") or str(uuid.uuid4()),
                                "source": "petstore-gateway", "type": "api.request", "subject": customer,
                                "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                                "data": {"endpoint": self.command + " " + self.path.split("?")[0], "status": status, "bytes": len(data)}})

    def do_GET(self):
        if self.path.rstrip("/") == "/pets":
            return self.serve(200, {"pets": PETS})
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "pets" and parts[1].isdigit():
            pet = next((p for p in PETS if p["id"] == int(parts[1])), None)
            return self.serve(200 if pet else 404, pet or {"error": "no such pet"})
        self.serve(404, {"error": "not found"})

    def do_POST(self):
        if self.path.rstrip("/") == "/pets":
            return self.serve(201, {"id": random.randint(100, 999), "name": "new pet"})
        self.serve(404, {"error": "not found"})


if __name__ == "__main__":
    threading.Thread(target=reporter, daemon=True).start()
    print("petstore on", PORT, flush=True)
    ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
