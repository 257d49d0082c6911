"""Test stand-in for Frontbase's FastAPI backend -- NOT Frontbase.

It reads exactly what the program gives the real backend (see components/services.ts) and
answers GET /health/ with 200 only when that wiring really works:
  - /app/data is a mounted volume and a file can be written and read back there;
  - DATABASE_URL works: the sqlite file (inside the volume) is created and written, or the
    postgres server resolves, accepts the user and password, and runs a query;
  - SECRET_KEY and ADMIN_PASSWORD are present and not trivially short.
Extra endpoints let the integration tests prove data flow, persistence and isolation:
  PUT/GET/DELETE /api/kv/<key>   a value kept in the backend's database
  GET /api/whoami                non-secret facts (database kind and name, hostname)
  GET /api/probe?host=H&port=P   whether H resolves and H:P accepts a TCP connection from here
Every response carries `X-Served-By: backend`. Secrets never reach a response or the log.
"""
import json
import os
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
MIN_SECRET = {"SECRET_KEY": 16, "ADMIN_PASSWORD": 12}
SQLITE_SCHEMES = {"sqlite", "sqlite+aiosqlite", "sqlite+pysqlite"}
POSTGRES_SCHEMES = {"postgresql", "postgres", "postgresql+asyncpg", "postgresql+psycopg2"}
MAX_BODY = 1 << 20


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
    for name, minimum in MIN_SECRET.items():
        value = os.environ.get(name, "")
        if not value:
            raise WiringError(f"{name} is not set")
        if len(value) < minimum:
            raise WiringError(f"{name} is too short (at least {minimum} characters expected)")


def database_config():
    """DATABASE_URL (an SQLAlchemy URL) as a dict; errors name the problem, not the URL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise WiringError("DATABASE_URL is not set")
    scheme = url.split(":", 1)[0]
    if scheme in SQLITE_SCHEMES:
        # sqlite:////abs/path -> /abs/path (SQLAlchemy: three slashes, then the path).
        if not url.startswith(scheme + ":///"):
            raise WiringError("DATABASE_URL: sqlite URL must look like sqlite:///PATH")
        path = url[len(scheme + ":///"):]
        if not path.startswith(DATA_DIR + "/"):
            raise WiringError(f"DATABASE_URL: sqlite file {path} is outside the data volume {DATA_DIR}")
        return {"kind": "sqlite", "path": path}
    if scheme in POSTGRES_SCHEMES:
        u = urlsplit(url)
        name = unquote(u.path.lstrip("/"))
        if not (u.hostname and u.username and u.password is not None and name):
            raise WiringError("DATABASE_URL: postgres URL must have user, password, host and database")
        return {
            "kind": "postgres",
            "host": u.hostname,
            "port": u.port or 5432,
            "user": unquote(u.username),
            "password": unquote(u.password),
            "name": name,
        }
    raise WiringError(f"DATABASE_URL: unsupported scheme '{scheme}'")


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
    public = ("ENVIRONMENT", "ALLOW_REGISTRATION", "CORS_ORIGINS", "EDGE_URL", "ADMIN_EMAIL", "UPSTASH_REDIS_REST_URL")
    secret = ("SECRET_KEY", "ADMIN_PASSWORD", "UPSTASH_REDIS_REST_TOKEN")
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
                length = int(self.headers.get("Content-Length") or 0)
                if length > MAX_BODY:
                    return self.send_json(413, {"detail": "value too large"})
                value = self.rfile.read(length).decode("utf-8", "replace")
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
