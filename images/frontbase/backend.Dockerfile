# The REAL Frontbase backend (fastapi-backend) on Debian trixie, built on machines without
# Docker Hub or PyPI: requirements.txt is met with Debian's python3-* packages (FIELD-NOTES
# section 1; test/images/README.md, "Real Frontbase images").
# Runs upstream's own docker_entrypoint.sh: wait for postgres when DATABASE=postgresql,
# `alembic upgrade head`, then uvicorn on 8000. Unlike upstream's Dockerfile it sets no
# DATABASE_URL: the sync sub-app (project settings with the redis token the edge reads,
# datasources) honours that variable, and upstream's value would split it off into
# data/unified.db, away from the core database and the migrations' seeded settings.
# Build context: <frontbase>/fastapi-backend; built by images/frontbase/build.sh.
#
# requirements.txt -> Debian (trixie) packages, one per requirement. Not packaged in Debian,
# and not needed: python-jose and uuid6 (imported nowhere), annotated-doc and
# typing-inspection (dependencies of newer fastapi/pydantic than Debian's 0.115 / 2.10);
# setuptools and wheel are build tools. The import check below fails the build if anything
# the application imports at start-up is missing.
ARG BASE=frontbase-real/debian:trixie
FROM ${BASE}
# python3-python-multipart, not python3-multipart (another project of the same import name,
# which stops FastAPI from starting). uvicorn and alembic: the CLI packages the entrypoint
# calls. python-is-python3: the entrypoint's postgres wait runs `python -c`. curl: the health
# check (`curl -fsS http://127.0.0.1:8000/health`), no interpreter start.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    python3 python-is-python3 uvicorn alembic curl sqlite3 ca-certificates \
    python3-aiomysql python3-aiosqlite python3-alembic python3-amqp python3-annotated-types \
    python3-anyio python3-asyncpg python3-bcrypt python3-billiard python3-celery python3-certifi \
    python3-cffi python3-click python3-click-didyoumean python3-click-plugins python3-click-repl \
    python3-colorama python3-cryptography python3-dateutil python3-dnspython python3-dotenv \
    python3-ecdsa python3-email-validator python3-fastapi python3-greenlet python3-h11 \
    python3-httpcore python3-httptools python3-httpx python3-idna python3-jinja2 python3-kombu \
    python3-markupsafe python3-packaging python3-passlib python3-prompt-toolkit python3-psycopg2 \
    python3-pyasn1 python3-pycparser python3-pydantic python3-pydantic-core \
    python3-pydantic-settings python3-pymysql python3-python-multipart python3-redis python3-rsa \
    python3-six python3-sqlalchemy python3-starlette python3-typing-extensions python3-tzlocal \
    python3-uvicorn python3-vine python3-watchfiles python3-wcwidth python3-websockets \
    python3-yaml tzdata \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
# Import the application once (every router and the sync sub-app): a module missing from
# Debian fails the build, not the first start. Importing creates ./data (the sync database
# module does); it is removed again: /app/data must be empty in the image, because Docker
# copies an image's files into a new named volume, and a file generated here (say, the
# encryption key) would then be every tenant's.
#
# main.py imports app/middleware/test_mode.py, which the source snapshot lacks (upstream's
# .gitignore ignores test_*.py, so a clean checkout cannot start: ModuleNotFoundError). When
# it is missing, write a small one of ours: a pure ASGI pass-through that marks responses with
# X-Test-Mode, which is all main.py asks of it (`add_middleware(TestModeMiddleware,
# test_mode=True)`). An upstream file, when present, is used as it is.
RUN test -e app/middleware/test_mode.py || printf '%s\n' \
    '"""Written by frontbase-tenants (images/frontbase/backend.Dockerfile): upstream main.py' \
    'imports this module, but the source snapshot lacks it. A pass-through ASGI middleware' \
    'that marks every HTTP response with X-Test-Mode."""' \
    '' \
    '' \
    'class TestModeMiddleware:' \
    '    def __init__(self, app, test_mode=True):' \
    '        self.app = app' \
    '        self.flag = str(test_mode).encode()' \
    '' \
    '    async def __call__(self, scope, receive, send):' \
    '        if scope["type"] != "http":' \
    '            return await self.app(scope, receive, send)' \
    '' \
    '        async def send_marked(message):' \
    '            if message["type"] == "http.response.start":' \
    '                headers = list(message.get("headers", [])) + [(b"x-test-mode", self.flag)]' \
    '                message = {**message, "headers": headers}' \
    '            await send(message)' \
    '' \
    '        await self.app(scope, receive, send_marked)' \
    >app/middleware/test_mode.py
RUN chmod 755 /app/docker_entrypoint.sh \
 && python -c "import main" \
 && rm -rf /app/data \
 && find /app -name __pycache__ -prune -exec rm -rf {} + \
 && mkdir /app/data
ENV PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["/app/docker_entrypoint.sh"]
