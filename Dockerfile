# manifest-server: multi-stage build, small non-root runtime with git for the git source.
# Serve a mounted fleet folder:  docker run -p 8080:8080 -v "$PWD/manifests:/fleet:ro" manifest-server
# Or follow a repository:        docker run -p 8080:8080 manifest-server serve --repo https://git.example/fleet.git

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
COPY manifests ./manifests
ENV NODE_ENV=production \
    MANIFEST_SERVER_LISTEN=8080 \
    XDG_CACHE_HOME=/var/cache/manifest-server
RUN mkdir -p /fleet /var/cache/manifest-server && chown node:node /var/cache/manifest-server
USER node
EXPOSE 8080
VOLUME ["/var/cache/manifest-server"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "/app/dist/cli/manifest-server.js"]
CMD ["serve", "--dir", "/fleet"]
