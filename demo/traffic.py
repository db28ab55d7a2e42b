#!/usr/bin/env python3
"""Demo traffic: each demo customer's key calls the pet store through nginx at its own pace, so the portal shows
spend rising. Runs until stopped (bin/apimon down), or for DURATION seconds if set."""
import os, random, sys, time, urllib.error, urllib.request, uuid

GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8088")
KEYS_FILE = os.environ.get("KEYS_FILE", ".run/demo/keys.txt")
DURATION = float(os.environ.get("DURATION", "0"))
PATHS = [("GET", "/pets"), ("GET", "/pets/1"), ("GET", "/pets/3"), ("POST", "/pets")]

keys = []
for line in open(KEYS_FILE):
    name, rate, key = line.split()
    keys.append({"name": name, "interval": 1.0 / float(rate), "key": key, "next": 0.0, "counts": {}})

start = time.time()
while not DURATION or time.time() - start < DURATION:
    now = time.time()
    for k in keys:
        if now < k["next"]:
            continue
        k["next"] = now + k["interval"] * random.uniform(0.5, 1.5)
        method, path = random.choice(PATHS)
        req = urllib.request.Request(GATEWAY + path, method=method, data=b"{}" if method == "POST" else None,
                                     headers={"Authorization": "Bearer " + k["key"], "X-Request-Id": str(uuid.uuid4())})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                code = r.status
        except urllib.error.HTTPError as e:
            code = e.code
        except Exception:
            code = 0
        k["counts"][code] = k["counts"].get(code, 0) + 1
    time.sleep(0.02)
print({k["name"]: k["counts"] for k in keys})
