# syntax=docker/dockerfile:1
# Production image of Online City Hall: one image for the web (daphne) and worker services.
# Build: docker compose build   (or: docker build -t cityhall .)
# Base images are pinned by exact version tag; add @sha256 digests when you can pull them.

# --- 1. front-end packages: npm ci from package-lock.json, copied into static/vendor -----
FROM node:22.23.1-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/build_assets.mjs scripts/
RUN npm ci --no-audit --no-fund --loglevel=error && npm run build

# --- 2. Python packages, compiled messages and collected static files ----------------------
FROM python:3.12.13-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=cityhall.settings \
    PATH=/opt/venv/bin:$PATH
# gettext provides msgfmt for compilemessages; it stays in this stage only.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
# Every package and its hash comes from the lock; wheels only, nothing is compiled here.
RUN pip install --require-hashes --no-deps --only-binary=:all: -r /tmp/requirements.lock

WORKDIR /app
COPY . .
COPY --from=assets /src/static/vendor static/vendor
# Settings need a SECRET_KEY (or they write one under var/); this one exists only for these
# two build commands and is never part of the image's environment.
RUN SECRET_KEY=build-only-not-a-secret DEBUG=false \
        python manage.py compilemessages -v 0 \
    && SECRET_KEY=build-only-not-a-secret DEBUG=false \
        python manage.py collectstatic --noinput -v 0 \
    && python -m compileall -q /app

# --- 3. runtime: no compilers, no gettext, no node; runs as an unprivileged user ---------
FROM python:3.12.13-slim-bookworm AS runtime
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=cityhall.settings \
    DEBUG=false \
    MEDIA_ROOT=/app/var/media \
    PATH=/opt/venv/bin:$PATH
RUN groupadd --system --gid 10001 cityhall \
    && useradd --system --uid 10001 --gid cityhall --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin cityhall
COPY --from=build /opt/venv /opt/venv
# Code and static files stay owned by root (read-only for the app); only media is writable.
COPY --from=build /app /app
RUN mkdir -p /app/var/media && chown cityhall:cityhall /app/var/media
WORKDIR /app
USER cityhall:cityhall
EXPOSE 8000
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--proxy-headers", "cityhall.asgi:application"]
