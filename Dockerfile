# Queue Socket Provider: `docker build -t queue-socket-provider .` (docs/cluster.md: "Run with Docker").

# Build stage: dev dependencies, the TypeScript build, then only the production dependencies are kept.
FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles from source: it needs Python, make and a C++ compiler, against the Node
# headers that ship in this image (not downloaded ones).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Run stage: Node, the compiled server, its production dependencies and the dashboard's files.
FROM node:20-bookworm-slim
# HOST and PORT are the service's defaults, set here because the HEALTHCHECK reads them too.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY public ./public
# The SQLite store lives on the volume, writable by the unprivileged user the server runs as.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 3000
# No curl in the slim image: Node's own fetch asks /health on the address the server listens on.
HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "const h=process.env.HOST;const host=!h||h==='0.0.0.0'||h==='::'?'127.0.0.1':h.includes(':')?`[${h}]`:h;fetch(`http://${host}:${process.env.PORT}/health`).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Exec form: node is PID 1 and gets SIGTERM from `docker stop` itself; it drains deliveries and exits 0.
CMD ["node", "dist/server.js"]
