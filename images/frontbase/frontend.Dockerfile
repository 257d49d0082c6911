# The REAL Frontbase admin SPA (the root Vite app) served by Debian's nginx with upstream's
# nginx.conf, on Debian trixie; built on machines without Docker Hub. Same as upstream's
# Dockerfile.frontend, with Debian's nodejs/npm for the build and Debian's nginx to serve.
# Build context: the Frontbase source root; built by images/frontbase/build.sh.
ARG BASE=frontbase-real/debian:trixie

FROM ${BASE} AS builder
# Kept identical to edge.Dockerfile's first RUN: the builder's cache shares the layer.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Certificates of a TLS-inspecting proxy between this machine and the npm registry, if any
# (build.sh passes the host's /usr/local/share/ca-certificates/*.crt; empty elsewhere).
# Builder stage only: the runtime image does not trust them.
ARG EXTRA_CA_CERTS=""
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      printf '%s\n' "$EXTRA_CA_CERTS" | awk '/BEGIN CERTIFICATE/ { n++ } n { print > ("/usr/local/share/ca-certificates/build-extra-" n ".crt") }' \
      && update-ca-certificates >/dev/null; \
    fi
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY public ./public
COPY index.html vite.config.ts tsconfig.json tsconfig.app.json tsconfig.node.json tailwind.config.ts postcss.config.js components.json ./
# Empty = relative URLs (/api/...): one image serves every tenant behind its own nginx.
ARG VITE_API_URL=""
ENV VITE_API_URL=${VITE_API_URL}
# The bundle needs about 2 GB of heap (upstream sets 2048; 2560 leaves room).
ENV NODE_OPTIONS=--max-old-space-size=2560
RUN NODE_ENV=production npx vite build && test -s dist/index.html

FROM ${BASE}
# curl: the health check (`curl -fsS http://127.0.0.1/nginx-health`).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx curl \
 && rm -rf /var/lib/apt/lists/* \
 && ln -sf /dev/stdout /var/log/nginx/access.log \
 && ln -sf /dev/stderr /var/log/nginx/error.log
# Upstream's server block as the only site. Debian's sites-enabled/default must go: it is
# the default server for every Host but `localhost` and would answer health probes with
# Debian's welcome page.
RUN rm -f /etc/nginx/sites-enabled/default /var/www/html/index.nginx-debian.html
COPY nginx.conf /etc/nginx/conf.d/default.conf
COPY --from=builder /app/dist /usr/share/nginx/html
# No `nginx -t` here: upstream's config names the peers `backend` and `edge`, which nginx
# resolves once at start-up and which do not exist at build time.
EXPOSE 80
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
