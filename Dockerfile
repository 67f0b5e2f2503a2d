# The training image. Layers run from least to most likely to change: system packages, Python
# dependencies (exported from uv.lock, with hashes), the non-root user, then the training code,
# so a code-only change rebuilds only the last layers. The classic builder builds it (docker-py
# has no BuildKit), so nothing here needs BuildKit syntax.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}

LABEL org.opencontainers.image.title="container-lab-training" \
      org.opencontainers.image.description="Trains the sports classifier and signs it with special_k" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="Container Lab"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Debian's python3-gpg supplies the GnuPG bindings special_k needs (PyPI's gpg does not build).
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        ca-certificates=20250419~deb12u2 \
        gpg=2.2.40-1.1+deb12u2 \
        gpg-agent=2.2.40-1.1+deb12u2 \
        python3=3.11.2-1+b1 \
        python3-gpg=1.18.0-3+deb12u1 \
        python3-venv=3.11.2-1+b1 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/*

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# The venv sees Debian's site-packages for `gpg`; everything else is pinned and hashed.
COPY training/requirements.lock /tmp/requirements.lock
RUN python3 -m venv --system-site-packages "${VIRTUAL_ENV}" \
 && pip install --no-cache-dir --no-deps --require-hashes -r /tmp/requirements.lock \
 && rm /tmp/requirements.lock

# Files written to the bind-mounted models/ belong to the user who runs the lab (seed 000).
ARG USER_ID=1000
ARG GROUP_ID=1000
RUN test "${USER_ID}" -ne 0 && test "${GROUP_ID}" -ne 0 \
 && groupadd --non-unique --gid "${GROUP_ID}" lab \
 && useradd --non-unique --uid "${USER_ID}" --gid "${GROUP_ID}" \
        --home-dir /tmp --no-create-home --shell /usr/sbin/nologin lab
LABEL org.container-lab.user-id="${USER_ID}" \
      org.container-lab.group-id="${GROUP_ID}"

ENV LAB_DATA_DIR=/data \
    SERIALIZATION_TRUSTED_KEYS_DIR=/trusted-keys
WORKDIR /app
COPY training/ /app/training/

USER ${USER_ID}:${GROUP_ID}
ENTRYPOINT ["python", "-m", "training.train"]
CMD ["/models"]
