# The REAL Frontbase edge (services/edge: Hono on Node) on Debian trixie, built on machines
# without Docker Hub: Debian's nodejs (20.19; vite 7 needs >= 20.19) and npm, packages from
# the npm registry. Same build as upstream's services/edge/Dockerfile (vite for the client
# bundle, tsup for the server), except that a failed client build fails the image.
# Build context: <frontbase>/services/edge; built by images/frontbase/build.sh.
ARG BASE=frontbase-real/debian:trixie

FROM ${BASE} AS builder
# Kept identical to frontend.Dockerfile's first RUN: the builder's cache shares the layer.
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
# Not NODE_ENV=production here: vite and tsup are dev dependencies.
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY public ./public
COPY tsconfig.json drizzle.config.ts vite.config.ts ./
# The snapshot carries prebuilt outputs (dist/, public/react/); drop them so that only this
# build's output can end up in the image, and fail if a build produced nothing.
RUN rm -rf dist public/react \
 && npx vite build \
 && npx tsup src/index.ts --format esm --outDir dist \
 && test -s dist/index.js && test -s public/react/hydrate.js \
 && npm prune --omit=dev --no-audit --no-fund

FROM ${BASE}
# curl: the health check (`curl -fsS http://127.0.0.1:3002/api/health`), no interpreter start.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=builder /app/package.json /app/package-lock.json ./
COPY --from=builder /app/node_modules ./node_modules
COPY --from=builder /app/dist ./dist
COPY --from=builder /app/public ./public
COPY --from=builder /app/drizzle.config.ts ./
RUN mkdir -p /app/data
ENV NODE_ENV=production PORT=3002
EXPOSE 3002
CMD ["node", "dist/index.js"]
