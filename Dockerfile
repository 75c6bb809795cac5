# Tessera server image. Build: docker build -t tessera .   Run: see docker-compose.yml.
# The server runs from the TypeScript source through tsx, exactly as `npm start` does.
FROM node:20-bookworm-slim

# better-sqlite3 ships prebuilt binaries; the toolchain is the fallback when none matches.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
RUN corepack enable
COPY . .
# --no-optional leaves out the embedded Postgres binaries, which only the test suite uses.
RUN pnpm install --frozen-lockfile --no-optional \
 && apt-get purge -y python3 make g++ && apt-get autoremove -y

ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:/app/data/tessera.db \
    TESSERA_DEMO_TENANT=false
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "packages/server/bin/tessera.mjs"]
CMD ["serve"]
