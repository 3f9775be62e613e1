# One image for every lrstream service: `docker run lrstream <service>` (ingest, validate, convert,
# anonymize, index). Built from the monorepo so services and shared packages stay in step.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY shared ./shared
COPY services ./services
COPY test/package.json test/tsconfig.json ./test/
COPY test/src ./test/src
RUN npm ci --no-audit --no-fund && npx tsc -b && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app /app
USER node
ENTRYPOINT ["/bin/sh", "-c", "exec node services/$0/dist/main.js"]
CMD ["ingest"]
