# Multi-stage: build wheels once, run as an unprivileged user.
FROM python:3.11-slim AS build
WORKDIR /src
COPY requirements.txt .
RUN pip wheel --wheel-dir /wheels -r requirements.txt

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 BACKOFFICE_ENV=production GUNICORN_TMP_DIR=/tmp
RUN useradd --create-home --uid 10001 backoffice
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels /wheels/* && rm -rf /wheels
COPY --chown=backoffice:backoffice app app
COPY --chown=backoffice:backoffice templates templates
COPY --chown=backoffice:backoffice static static
COPY --chown=backoffice:backoffice migrations migrations
COPY --chown=backoffice:backoffice workers workers
COPY --chown=backoffice:backoffice wsgi.py gunicorn.conf.py ./
COPY --chown=backoffice:backoffice deploy/compose/migrate.sh deploy/compose/migrate.sh
USER backoffice
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --retries=3
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status == 200 else 1)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]
