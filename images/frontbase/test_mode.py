"""Written by frontbase-tenants (scripts/build-frontbase-images.sh): upstream main.py imports
this module, but upstream's .gitignore ignores test_*.py, so a clean checkout lacks it. A
pass-through ASGI middleware that marks every HTTP response with X-Test-Mode, as the one in
images/frontbase/backend.Dockerfile."""


class TestModeMiddleware:
    def __init__(self, app, test_mode=True):
        self.app = app
        self.flag = str(test_mode).encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_marked(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", [])) + [(b"x-test-mode", self.flag)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_marked)
