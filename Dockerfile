# Production image: assets built from npm (lockfile) in a Node stage, Python packages from the
# pinned lock, static files collected at build time, run as an unprivileged user.
FROM node:20-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts/build-assets.mjs scripts/
RUN mkdir -p static && npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=portal.settings PORTAL_VAR_DIR=/var/lib/portal
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --create-home --home-dir /app portal
WORKDIR /app
COPY requirements.lock ./
RUN pip install -r requirements.lock
COPY . .
COPY --from=assets /build/static/vendor static/vendor
RUN pip install --no-deps . \
    && mkdir -p /var/lib/portal/media && chown -R portal /var/lib/portal \
    && SECRET_KEY=build-only DEBUG=false python manage.py collectstatic --noinput
USER portal
EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-"]
