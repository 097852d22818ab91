# The operator's image: built with the project's own toolchain, run as a
# non-root user on Node.js 24 with only production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY bin ./bin
# OP_MODE=webhook (the Gefyra 2.5 client's second Deployment of this image):
# its liveness probe runs `python gefyra/healthcheck.py` in the WORKDIR.
COPY image/gefyra ./gefyra
COPY image/python /usr/local/bin/python
USER 65532:65532
EXPOSE 8080 9443
# --optimize-for-size: V8 grows its heap and optimises less eagerly; the
# operator waits on the API server, not on its CPU, and stays in its memory
# limit (README, Benchmarks).
ENTRYPOINT ["node", "--optimize-for-size", "bin/gefyra-operator.js"]
CMD ["run"]
