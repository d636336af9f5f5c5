# fabric-gql API image. The Neo4j shards run elsewhere (Enterprise for Fabric mode, or two
# Community servers); point FABRIC_GQL_PRODUCTS_URI / FABRIC_GQL_TRANSACTIONS_URI at them.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
# The image is the deployed artefact: production profile unless told otherwise
# (deploy/compose.yaml sets it too, with fabric mode).
ENV FABRIC_GQL_PROFILE=production

WORKDIR /app

RUN groupadd --system --gid 10001 app && useradd --system --uid 10001 --gid app --home-dir /app app

COPY pyproject.toml README.md ./
COPY cli ./cli
COPY fabric_gql ./fabric_gql
COPY gql ./gql
COPY cypher ./cypher
COPY embedding ./embedding
COPY hm ./hm
COPY ingest ./ingest
COPY jobs ./jobs
COPY neo4j_local ./neo4j_local
COPY recs ./recs
COPY evaluation ./evaluation
RUN pip install --no-cache-dir . && mkdir -p /app/.keras && chown app:app /app/.keras
# Keras keeps the downloaded ImageNet weights here (the app user's, writable; mount a volume to keep them).
ENV KERAS_HOME=/app/.keras

USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz').status == 200 else 1)"]
CMD ["fabric-gql", "serve", "--host", "0.0.0.0", "--port", "8000"]
