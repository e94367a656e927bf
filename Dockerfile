# tagpulse image: one image for every role (scheduler/API, collect and load workers, migrate).
# The role is the command: `run --no-collect`, `worker --queues collect`, `worker --queues load`, `migrate`.

# ---- build: compile TypeScript to dist/ ----------------------------------------------------------------------------
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsc fails the build on a type error; then the dashboard client is bundled into dist/dashboard/assets (esbuild is a
# dev dependency: only this stage has it). npm ci's `prepare` finds no scripts/ here and leaves the build to these lines.
RUN npx tsc -p tsconfig.build.json && node dist/dashboard/build-assets.js

# ---- runtime: production dependencies, compiled code, no sources or dev tools ----------------------------------------
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY dashboards ./dashboards
COPY --from=build /app/dist ./dist
# The dashboard's client is prebuilt in dist/dashboard/assets; its sources ship too (the build stamp in dist is newer,
# so bin/tagpulse.js runs dist; assets.ts bundles from them only when no prebuilt files exist).
COPY src/dashboard/client ./src/dashboard/client
# Unprivileged user of the node image (uid 1000). Its home holds the (unused in server mode) data dir.
RUN mkdir -p /home/node/.tagpulse && chown node:node /home/node/.tagpulse
USER node
ENV TAGPULSE_DATA_DIR=/home/node/.tagpulse
EXPOSE 8787
ENTRYPOINT ["node", "bin/tagpulse.js"]
CMD ["run"]
