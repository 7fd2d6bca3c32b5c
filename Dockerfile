# pxr controller image (Node 24). Build: docker build -t pxr:local .
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY schemas ./schemas
RUN npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /app/schemas ./schemas
# `pxr` on the PATH (docker compose exec pxr pxr get bridges), and its default database is the one in
# the /data volume that `pxr run` below writes, so the read-only commands need no --db.
RUN mkdir -p /data && chown node:node /data && ln -s /app/bin/pxr.js /usr/local/bin/pxr
ENV PXR_DB=/data/pxr.db
USER node
VOLUME ["/data"]
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/pxr.js"]
CMD ["run", "--manifests", "/git/current/manifests", "--db", "/data/pxr.db", "--listen", "0.0.0.0:9464"]
