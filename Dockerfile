# caideng controller. Node 24 LTS; better-sqlite3 is compiled from source in the build stage.
FROM node:24-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# node-gyp compiles against the image's own Node headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY . .
# npm ci builds the workspaces (the root `prepare` script); then drop what only building and testing need.
RUN npm ci && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
RUN mkdir -p /var/lib/caideng && chown node:node /var/lib/caideng
USER node
EXPOSE 8080 1883 8883
VOLUME ["/var/lib/caideng"]
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:8080/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "controller/dist/main.js", "--config", "/etc/caideng/controller.json"]
