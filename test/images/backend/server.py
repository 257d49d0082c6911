"""Test stand-in for Frontbase's FastAPI backend -- NOT Frontbase.

It reads exactly the env the real backend reads (FIELD-NOTES section 1, app/database/config.py)
and answers GET /health/ with 200 only when that wiring really works:
  - /app/data is a mounted volume and a file can be written and read back there;
  - DATABASE is `sqlite` or `postgresql` (the real backend silently falls back to sqlite for
    anything else, so a typo would go unnoticed there) and the database works: sqlite at
    /app/data/frontbase.db, or postgres at the hard-coded postgres:5432, user and database
    `frontbase`, password DB_PASSWORD, which must accept it and run a query;
  - ADMIN_PASSWORD is at least 12 characters and ENCRYPTION_KEY is a Fernet key (url-safe
    base64 of 32 bytes, 44 characters).
DATABASE_URL, SECRET_KEY and CORS_ORIGINS are read by nothing, as in the real backend.
Extra endpoints let the integration tests prove data flow, persistence and isolation:
  PUT/GET/DELETE /api/kv/<key>       a value kept in the backend's database
  GET/PUT /api/sync/settings/redis/  the redis settings the edge reads at start-up, kept in the
                                     same database and seeded like upstream's migration 0005
  GET /api/whoami                    non-secret facts (database kind and name, hostname)
  GET /api/probe?host=H&port=P       whether H resolves and H:P accepts a TCP connection from here
Every response carries `X-Served-By: backend`. Secrets never reach a response or the log, except
the redis settings' token, which that API returns by design (the edge needs it), as upstream's.
"""
import base64
import json
import os
import re
import signal
import socket
import sqlite3
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

DATA_DIR = "/app/data"
PORT = 8000
MIN_ADMIN_PASSWORD = 12
SQLITE_PATH = DATA_DIR + "/frontbase.db"
# What app/database/config.py hard-codes: only the password comes from the env.
POSTGRES = {"host": "postgres", "port": 5432, "user": "frontbase", "name": "frontbase"}
# The real backend puts DB_PASSWORD into its SQLAlchemy URL unescaped: characters outside
# this set may break that URL there, although libpq here would accept them.
URL_SAFE_PASSWORD = re.compile(r"^[A-Za-z0-9._~-]+$")
FERNET_KEY = re.compile(r"^[A-Za-z0-9_-]{43}=$")
MAX_BODY = 1 << 20

# Upstream's migration 0005 seeds the project_settings row with these values.
REDIS_SEED = {
    "redis_url": "http://redis-http:80",
    "redis_token": "dev_token_change_in_prod",
    "redis_type": "self-hosted",
    "redis_enabled": True,
    "cache_ttl_data": 60,
    "cache_ttl_count": 300,
}
# A PUT replaces the whole object; omitted fields take the defaults of RedisSettingsUpdate.
REDIS_DEFAULTS = {
    "redis_url": None,
    "redis_token": None,
    "redis_type": "upstash",
    "redis_enabled": False,
    "cache_ttl_data": 60,
    "cache_ttl_count": 300,
}
REDIS_TYPES = {"redis_url": (str, type(None)), "redis_token": (str, type(None)), "redis_type": (str,),
               "redis_enabled": (bool,), "cache_ttl_data": (int,), "cache_ttl_count": (int,)}


class WiringError(Exception):
    """A problem with what the container was given; the message never contains a secret."""


def is_mount_point(path):
    # Field 5 of /proc/self/mountinfo is the mount point (as seen from this container).
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


def check_data_dir():
    if not is_mount_point(DATA_DIR):
        raise WiringError(f"{DATA_DIR} is not a mounted volume")
    probe = os.path.join(DATA_DIR, f".health-{uuid.uuid4().hex}")
    token = uuid.uuid4().hex
    try:
        with open(probe, "w") as f:
            f.write(token)
        with open(probe) as f:
            if f.read() != token:
                raise WiringError(f"{DATA_DIR}: a file read back differs from what was written")
    except OSError as e:
        raise WiringError(f"{DATA_DIR} is not writable: {e.strerror}") from None
    finally:
        try:
            os.unlink(probe)
        except OSError:
            pass


def check_secrets():
    admin = os.environ.get("ADMIN_PASSWORD", "")
    if not admin:
        raise WiringError("ADMIN_PASSWORD is not set")
    if len(admin) < MIN_ADMIN_PASSWORD:
        raise WiringError(f"ADMIN_PASSWORD is too short (at least {MIN_ADMIN_PASSWORD} characters expected)")
    key = os.environ.get("ENCRYPTION_KEY", "")
    if not key:
        raise WiringError("ENCRYPTION_KEY is not set")
    # Fernet(key): url-safe base64 that decodes to exactly 32 bytes (44 characters with padding).
    if not FERNET_KEY.match(key) or len(base64.urlsafe_b64decode(key)) != 32:
        raise WiringError("ENCRYPTION_KEY is not a Fernet key (url-safe base64 of 32 bytes, 44 characters)")


def database_config():
    """What the real backend derives from DATABASE and DB_PASSWORD; errors never show the password."""
    kind = os.environ.get("DATABASE", "")
    if kind == "sqlite":
        return {"kind": "sqlite", "path": SQLITE_PATH}
    if kind == "postgresql":
        password = os.environ.get("DB_PASSWORD", "")
        if not password:
            # The real backend would use its built-in development password instead.
            raise WiringError("DATABASE=postgresql but DB_PASSWORD is not set")
        if not URL_SAFE_PASSWORD.match(password):
            raise WiringError("DB_PASSWORD has characters the real backend would put unescaped into its database URL")
        return {"kind": "postgres", **POSTGRES, "password": password}
    if not kind:
        raise WiringError("DATABASE is not set (the real backend would silently use sqlite)")
    raise WiringError(f"DATABASE must be 'sqlite' or 'postgresql' (the real backend treats '{kind}' as sqlite)")


class Database:
    """One short-lived connection per request; `?` or `%s` placeholders as the driver wants."""

    def __init__(self):
        self.cfg = database_config()
        if self.cfg["kind"] == "sqlite":
            try:
                self.conn = sqlite3.connect(self.cfg["path"], timeout=5)
            except sqlite3.Error as e:
                raise WiringError(f"sqlite {self.cfg['path']}: {e}") from None
            self.mark = "?"
        else:
            import psycopg2  # only postgres tenants need it

            c = self.cfg
            try:
                self.conn = psycopg2.connect(
                    host=c["host"], port=c["port"], user=c["user"], password=c["password"],
                    dbname=c["name"], connect_timeout=3, application_name="backend-stand-in",
                )
            except psycopg2.Error as e:
                # libpq's messages name host, user and database, never the password.
                raise WiringError(f"postgres {c['host']}:{c['port']}/{c['name']}: {first_line(e)}") from None
            self.mark = "%s"

    def run(self, sql, args=(), fetch=False):
        cur = self.conn.cursor()
        cur.execute(sql.replace("?", self.mark), args)
        rows = cur.fetchall() if fetch else None
        self.conn.commit()
        return rows

    def ensure_schema(self):
        self.run("CREATE TABLE IF NOT EXISTS kv (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
        # One row, as upstream's project_settings; seeded on first use like migration 0005.
        self.run(
            "CREATE TABLE IF NOT EXISTS project_settings (id INTEGER PRIMARY KEY, redis_url TEXT,"
            " redis_token TEXT, redis_type TEXT NOT NULL, redis_enabled BOOLEAN NOT NULL,"
            " cache_ttl_data INTEGER NOT NULL, cache_ttl_count INTEGER NOT NULL)"
        )
        self.set_redis_settings(REDIS_SEED, only_if_missing=True)

    def redis_settings(self):
        rows = self.run(
            "SELECT redis_url, redis_token, redis_type, redis_enabled, cache_ttl_data, cache_ttl_count"
            " FROM project_settings WHERE id = 1", fetch=True)
        if not rows:
            return dict(REDIS_DEFAULTS)
        out = dict(zip(REDIS_DEFAULTS, rows[0]))
        out["redis_enabled"] = bool(out["redis_enabled"])  # sqlite stores 0/1
        return out

    def set_redis_settings(self, s, only_if_missing=False):
        conflict = "DO NOTHING" if only_if_missing else (
            "DO UPDATE SET redis_url = excluded.redis_url, redis_token = excluded.redis_token,"
            " redis_type = excluded.redis_type, redis_enabled = excluded.redis_enabled,"
            " cache_ttl_data = excluded.cache_ttl_data, cache_ttl_count = excluded.cache_ttl_count")
        self.run(
            "INSERT INTO project_settings (id, redis_url, redis_token, redis_type, redis_enabled,"
            " cache_ttl_data, cache_ttl_count) VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) " + conflict,
            tuple(s[k] for k in REDIS_DEFAULTS))

    def put(self, key, value):
        self.run("INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", (key, value))

    def get(self, key):
        rows = self.run("SELECT v FROM kv WHERE k = ?", (key,), fetch=True)
        return rows[0][0] if rows else None

    def delete(self, key):
        self.run("DELETE FROM kv WHERE k = ?", (key,))

    def close(self):
        self.conn.close()


def first_line(e):
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def check_database():
    db = Database()
    try:
        db.ensure_schema()
        token = uuid.uuid4().hex
        db.put("__health__", token)
        if db.get("__health__") != token:
            raise WiringError("database: a value read back differs from what was written")
        if db.cfg["kind"] == "postgres":
            (name, user), = db.run("SELECT current_database(), current_user", fetch=True)
            return {"kind": "postgres", "name": name, "user": user}
        return {"kind": "sqlite", "path": db.cfg["path"]}
    except WiringError:
        raise
    except Exception as e:  # sqlite3.Error, psycopg2.Error: the driver's own words
        raise WiringError(f"database: {first_line(e)}") from None
    finally:
        db.close()


def health():
    problems, facts = [], {}
    for name, check in (("data", check_data_dir), ("secrets", check_secrets), ("database", check_database)):
        try:
            facts[name] = check() or "ok"
        except WiringError as e:
            problems.append(str(e))
        except Exception as e:  # a bug here must show, not crash the server
            problems.append(f"{name}: {type(e).__name__}: {first_line(e)}")
    return problems, facts


_pool = ThreadPoolExecutor(max_workers=4)


def probe(host, port, timeout=3.0):
    """Resolve `host` (bounded: getaddrinfo has no timeout) and try a TCP connect to it."""
    out = {"host": host, "port": port, "resolved": False, "addresses": [], "connected": False}
    try:
        infos = _pool.submit(socket.getaddrinfo, host, port, socket.AF_INET, socket.SOCK_STREAM).result(timeout)
    except FutureTimeout:
        out["error"] = "resolve: timed out"
        return out
    except OSError as e:
        out["error"] = f"resolve: {e.strerror or e}"
        return out
    out["resolved"] = True
    out["addresses"] = sorted({info[4][0] for info in infos})
    try:
        with socket.create_connection((out["addresses"][0], port), timeout=timeout):
            out["connected"] = True
    except OSError as e:
        out["error"] = f"connect: {e.strerror or type(e).__name__}"
    return out


def whoami():
    try:
        cfg = dict(database_config())
        cfg.pop("password", None)
    except WiringError as e:
        cfg = {"error": str(e)}
    public = ("DATABASE", "ENVIRONMENT", "ALLOW_REGISTRATION", "EDGE_URL", "EDGE_SSR_URL", "EDGE_ENGINE_URL", "ADMIN_EMAIL")
    secret = ("ADMIN_PASSWORD", "ENCRYPTION_KEY", "REDIS_TOKEN", "DB_PASSWORD")
    return {
        "service": "backend",
        "hostname": socket.gethostname(),
        "database": cfg,
        "env": {k: os.environ.get(k) for k in public},
        # Only whether a secret is set: its value never leaves the container.
        "secretsSet": {k: bool(os.environ.get(k)) for k in secret},
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "backend-stand-in"
    # HTTP/1.0: one request per connection, so an unread body can never leak into the next.
    protocol_version = "HTTP/1.0"

    def send_json(self, status, body, extra=None):
        data = (json.dumps(body) + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Served-By", "backend")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, fmt, *args):
        # The default logs the full request line; keep the path only (no query string).
        sys.stderr.write(f"backend: {self.command} {urlsplit(self.path).path} {args[1] if len(args) > 1 else ''}\n")

    def route(self):
        u = urlsplit(self.path)
        path, method = u.path, self.command
        if path == "/health/" and method in ("GET", "HEAD"):
            problems, facts = health()
            if problems:
                sys.stderr.write("backend: unhealthy: " + "; ".join(problems) + "\n")
                return self.send_json(503, {"status": "unhealthy", "problems": problems})
            return self.send_json(200, {"status": "ok", "checks": facts})
        if path == "/health":  # FastAPI redirects to the slashed route
            return self.send_json(307, {"detail": "see /health/"}, {"Location": "/health/"})
        if path == "/api/whoami":
            return self.send_json(200, whoami())
        if path == "/api/probe":
            q = parse_qs(u.query)
            host, port = q.get("host", [""])[0], q.get("port", [""])[0]
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                return self.send_json(400, {"detail": "need ?host=NAME&port=1..65535"})
            return self.send_json(200, probe(host, int(port)))
        if path in ("/api/sync/settings/redis/", "/api/sync/settings/redis"):
            return self.redis_settings(method)
        if path.startswith("/api/kv/") and len(path) > len("/api/kv/"):
            return self.kv(unquote(path[len("/api/kv/"):]), method)
        if path.startswith("/api") or path.startswith("/static/assets"):
            # Any other backend route: tests only need to see that nginx routed it here.
            return self.send_json(200, {"service": "backend", "path": path})
        return self.send_json(404, {"service": "backend", "detail": "Not Found"})

    def kv(self, key, method):
        try:
            db = Database()
        except WiringError as e:
            return self.send_json(503, {"detail": str(e)})
        try:
            db.ensure_schema()
            if method in ("PUT", "POST"):
                body = self.read_body()
                if body is None:
                    return self.send_json(413, {"detail": "value too large"})
                value = body.decode("utf-8", "replace")
                db.put(key, value)
                return self.send_json(200, {"key": key, "stored": True, "database": db.cfg["kind"]})
            if method == "GET":
                value = db.get(key)
                if value is None:
                    return self.send_json(404, {"key": key, "detail": "no such key"})
                return self.send_json(200, {"key": key, "value": value, "database": db.cfg["kind"]})
            if method == "DELETE":
                db.delete(key)
                return self.send_json(200, {"key": key, "deleted": True})
            return self.send_json(405, {"detail": "use GET, PUT or DELETE"})
        except Exception as e:
            return self.send_json(500, {"detail": f"database: {first_line(e)}"})
        finally:
            db.close()

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        return self.rfile.read(length)

    def redis_settings(self, method):
        """GET/PUT /api/sync/settings/redis/ as upstream's sync router: the whole object, no session."""
        if method not in ("GET", "HEAD", "PUT"):
            return self.send_json(405, {"detail": "Method Not Allowed"})
        update = None
        if method == "PUT":
            body = self.read_body()
            if body is None:
                return self.send_json(413, {"detail": "body too large"})
            try:
                data = json.loads(body or b"null")
            except ValueError:
                return self.send_json(422, {"detail": "body is not JSON"})
            if not isinstance(data, dict):
                return self.send_json(422, {"detail": "body must be a JSON object"})
            update = dict(REDIS_DEFAULTS)
            for k, types in REDIS_TYPES.items():
                if k not in data:
                    continue
                v = data[k]
                # bool is an int in Python: keep true/false out of the integer fields.
                if not isinstance(v, types) or (bool not in types and isinstance(v, bool)):
                    return self.send_json(422, {"detail": f"{k}: wrong type"})
                update[k] = v
        try:
            db = Database()
        except WiringError as e:
            return self.send_json(503, {"detail": str(e)})
        try:
            db.ensure_schema()
            if update is not None:
                db.set_redis_settings(update)
            return self.send_json(200, db.redis_settings())
        except Exception as e:
            return self.send_json(500, {"detail": f"database: {first_line(e)}"})
        finally:
            db.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = route


def main():
    # PID 1 ignores SIGTERM unless handled: without this `docker stop` waits 10 s for a kill.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True
    print(f"backend stand-in listening on :{PORT}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
