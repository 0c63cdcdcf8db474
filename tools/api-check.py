#!/usr/bin/env python3
"""Checks the running API against its own OpenAPI document with schemathesis, once per role.

Starts the built server (target/debug/server) on a throwaway database, gives each role its own user
and API token, then runs schemathesis against /api/openapi.json as anonymous, operator, planner and
admin. A run fails on any 5xx, on a status code the document does not list for the operation, on a
content type or body that does not match the document. Afterwards the coverage is printed: for each
role, the operations it may use (the document's `x-access`, taken from the route policy) and whether
it reached a 2xx on each; a role that reaches no 2xx on an operation it may use fails the check,
unless the operation is exempt below, with its reason.

Usage: tools/api-check.py [--venv DIR] [--max-examples N]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

PORT = int(os.environ.get("API_CHECK_PORT", "3220"))
BASE = f"http://127.0.0.1:{PORT}"
DB = "ioc_map_api_check"
ADMIN_PASSWORD = "admin-api-check-password"

# Who may use an operation, by its x-access (auth::policy::Access).
ALLOWED = {
    "Public": {"anonymous", "operator", "planner", "admin"},
    "SignedIn": {"operator", "planner", "admin"},
    "Staff": {"operator", "planner", "admin"},
    "Operator": {"operator", "admin"},
    "Planner": {"planner", "admin"},
    "Admin": {"admin"},
}

# Operations whose success a generated request cannot reach, and where they are tested instead.
EXEMPT = {
    "POST /api/cameras/{id}/whep": "needs a real WebRTC offer (tests/it/video.rs, end2end video.spec)",
    "DELETE /api/cameras/{id}/whep/{session}": "needs a live video session (tests/it/video.rs)",
    "POST /api/account/password": "needs the user's current password (tests/it/auth.rs)",
    "DELETE /api/tokens/{id}": "would revoke the run's own token (tests/it/auth.rs)",
    "POST /api/session": "signs in by password, which the runs do not use (tests/it/auth.rs)",
    # reached only when a run follows a save's Location to its id
    "GET /api/area-query/exports/{id}": "needs the id of a saved export (tests/it/saved_exports.rs)",
    "DELETE /api/area-query/exports/{id}": "needs the id of a saved export (tests/it/saved_exports.rs)",
    "POST /api/imports": "needs a real file in a known format (tests/it/imports.rs)",
    "GET /api/imports/{id}": "needs the id of an upload (tests/it/imports.rs)",
    "POST /api/imports/{id}/commit": "needs the id of an upload (tests/it/imports.rs)",
    "DELETE /api/layers/{id}": "needs an imported layer (tests/it/imports.rs)",
}

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def request(method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("Accept", "application/json")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def psql(sql, db="postgres"):
    subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-c", sql], check=True)


def start_server():
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
        "LISTEN_ADDR": f"127.0.0.1:{PORT}",
        "LEPTOS_SITE_ROOT": "target/site",
        "IOC_CAMERA_PROBE_SECS": "0",
        "IOC_SIMULATE_VEHICLES": "0",
        "IOC_FILES": "target/api-check/files",
        "IOC_DEMO_USERS": "1",
        "IOC_ADMIN_PASSWORD": ADMIN_PASSWORD,
        # every request of the runs comes from one address
        "IOC_SIGNIN_ADDRESS_MAX": "1000000",
        "RUST_LOG": "warn",
    })
    log = open("target/api-check-server.log", "w")
    server = subprocess.Popen(["target/debug/server"], env=env, stdout=log, stderr=subprocess.STDOUT)
    for _ in range(180):
        try:
            if request("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        if server.poll() is not None:
            sys.exit("the server stopped; see target/api-check-server.log")
        time.sleep(1)
    server.kill()
    sys.exit("the server did not answer /healthz within 180 s")


def cookie_of(headers):
    return headers.get("Set-Cookie", "").split(";")[0]


def role_tokens():
    """A user and an API token per role, numbered far from anything a generated id would hit."""
    psql("SELECT setval('users_id_seq', 1000000); SELECT setval('api_tokens_id_seq', 1000000)", DB)
    status, headers, text = request("POST", "/api/session", {"username": "admin", "password": ADMIN_PASSWORD})
    assert status == 200, f"admin sign-in: {status} {text}"
    admin = {"Cookie": cookie_of(headers), "Origin": BASE}
    tokens = {}
    for role in ("operator", "planner", "admin"):
        user = {"username": f"api-check-{role}", "password": f"api-check-{role}-password", "role": role}
        status, _, text = request("POST", "/api/users", user, admin)
        assert status == 201, f"create {role}: {status} {text}"
        user_id = json.loads(text)["id"]
        status, _, text = request("POST", "/api/tokens", {"name": "api-check", "user": user_id}, admin)
        assert status == 201, f"token for {role}: {status} {text}"
        tokens[role] = json.loads(text)["token"]
    return tokens


def path_patterns(doc):
    """(method, template, regex) of every operation, most specific template first."""
    ops = []
    for template, item in doc["paths"].items():
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        for method, op in item.items():
            ops.append((method.upper(), template, re.compile(regex), op["x-access"]))
    ops.sort(key=lambda o: (o[1].count("{"), -len(o[1])))
    return ops


def statuses_by_operation(har_path, ops):
    seen = {}
    with open(har_path) as f:
        har = json.load(f)
    for entry in har["log"]["entries"]:
        method = entry["request"]["method"]
        path = urllib.request.urlparse(entry["request"]["url"]).path
        for m, template, regex, _ in ops:
            if m == method and regex.match(path):
                seen.setdefault(f"{m} {template}", set()).add(entry["response"]["status"])
                break
    return seen


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--venv", default="target/schemathesis-venv")
    parser.add_argument("--max-examples", default="20")
    args = parser.parse_args()
    schemathesis = os.path.join(args.venv, "bin", "schemathesis")
    server = start_server()
    failed = []
    try:
        tokens = role_tokens()
        status, _, text = request("GET", "/api/openapi.json")
        assert status == 200, status
        doc = json.loads(text)
        ops = path_patterns(doc)
        os.makedirs("target/api-check", exist_ok=True)
        coverage = {}
        for role in ("anonymous", "operator", "planner", "admin"):
            har = f"target/api-check/{role}.har"
            cmd = [schemathesis, "run", f"{BASE}/api/openapi.json", "--checks", CHECKS,
                   "--max-examples", args.max_examples, "--workers", "1", "--seed", "2026",
                   "--report", "har", "--report-har-path", har, "--warnings", "off",
                   "--suppress-health-check", "all", "--request-timeout", "30",
                   "-H", f"Origin: {BASE}",
                   # WHEP bodies are SDP, which schemathesis cannot generate (see EXEMPT)
                   "--exclude-path-regex", "/whep",
                   # the stateful phase follows answers to ids, and an admin may reset its own
                   # password through /api/users/{id}, which ends the run's token
                   "--phases", "examples,coverage,fuzzing"]
            if role != "anonymous":
                cmd += ["-H", f"Authorization: Bearer {tokens[role]}"]
            print(f"\n=== schemathesis as {role}", flush=True)
            if subprocess.run(cmd).returncode != 0:
                failed.append(f"schemathesis found failures as {role}")
            coverage[role] = statuses_by_operation(har, ops)
        print("\n=== 2xx coverage per role (operations the role may use)")
        for role, seen in coverage.items():
            may = [f"{m} {t}" for m, t, _, access in ops if role in ALLOWED[access]]
            reached = [o for o in may if any(200 <= s < 300 for s in seen.get(o, ()))]
            missing = [o for o in may if o not in reached and o not in EXEMPT]
            print(f"{role}: {len(reached)} of {len(may)} operations reached a 2xx")
            for o in sorted(may):
                mark = "ok " if o in reached else ("-- " if o in EXEMPT else "NO ")
                note = f"  ({EXEMPT[o]})" if o in EXEMPT and o not in reached else ""
                print(f"  {mark}{o}: {sorted(seen.get(o, ()))}{note}")
            if missing:
                failed.append(f"{role} reached no 2xx on: {', '.join(missing)}")
    finally:
        server.terminate()
        server.wait(timeout=15)
    if failed:
        print("\nAPI check failed:\n  " + "\n  ".join(failed))
        return 1
    print("\nAPI check passed: no 5xx, every answer as documented, every role's operations reached")
    return 0


if __name__ == "__main__":
    sys.exit(main())
