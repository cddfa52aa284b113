# ChaosCraft images. Two targets, one code base:
#   docker build --target controller -t chaoscraft .        # controller and gitops (the default)
#   docker build --target agent -t chaoscraft-agent .       # node agent: adds nftables, iproute2, stress-ng
# The base is Node 24 slim at an exact version (keep it equal to the "node" devDependency); pin it by
# digest as well where your registry policy asks for it (node:<tag>@sha256:…). TypeScript runs by
# Node's type stripping, so nothing is compiled: the build installs production dependencies only.

FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: no production dependency needs one.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# npm, npx and corepack are not needed to run and are not shipped.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY controller ./controller
COPY gitops ./gitops
COPY schemas ./schemas
ENTRYPOINT ["node", "bin/chaoscraft.js"]
# No HEALTHCHECK: Kubernetes ignores it. The chart probes /healthz and /readyz on --health-address
# (8081 for the controller, 8082 for the agent) instead.

FROM runtime AS agent
# The programs the agent runs on the node, resolved from /usr/sbin and /usr/bin (docs/SAFETY.md).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nftables iproute2 stress-ng util-linux \
 && rm -rf /var/lib/apt/lists/*
# The agent runs as root because Kubernetes gives the capabilities it adds (NET_ADMIN, SYS_ADMIN,
# KILL, SYS_PTRACE) to a root process only: there are no ambient capabilities for other users. The
# chart drops every other capability and sets no privileged mode (docs/SAFETY.md).
USER 0:0
EXPOSE 8082
CMD ["agent"]

FROM runtime AS controller
# The node image's unprivileged user.
USER 1000:1000
EXPOSE 8081
CMD ["controller"]
