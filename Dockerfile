# telltale in one image: nginx, the FastCGI workers and the migrations. The
# database is an external PostgreSQL given by DATABASE_URL (see docker-compose.yml).
FROM debian:12
WORKDIR /opt/telltale
COPY . .
RUN ./stack deps && ./stack build && rm -rf /var/lib/apt/lists/*
ENV BIND=0.0.0.0 PORT=8080 STATE_DIR=/var/lib/telltale
EXPOSE 8080
# Runs in the foreground; SIGTERM stops nginx and the workers gracefully. Bound
# beyond loopback, it refuses to start on a database without users unless
# TELLTALE_ADMIN_PASSWORD or TELLTALE_ADMIN_TOKEN names the first admin. Only
# nginx's master runs as root: the workers and helpers run as the user
# telltale, nginx's workers as telltale-web (made by ./stack deps).
CMD ["./stack", "run"]
