# The web image: gunicorn serving Django, static files through WhiteNoise.
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
RUN useradd --create-home --uid 1000 app

# Dependencies first, so that code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install --upgrade "pip>=25.1" && pip install .

COPY . .
RUN DEBUG=false SECRET_KEY=build-only python manage.py collectstatic --no-input \
    && mkdir -p var/media && chown -R app:app var

USER app
EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --no-input && if [ \"${LOAD_DEMO_DATA:-false}\" = true ]; then python manage.py load_demo_data; fi && exec gunicorn config.wsgi --bind 0.0.0.0:8000 --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
