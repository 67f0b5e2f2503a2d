# The training image. Layers run from least to most likely to change: system packages, Python
# dependencies (exported from uv.lock, with hashes), the non-root user, then the training code,
# so a code-only change rebuilds only the last layers. The classic builder builds it (docker-py
# has no BuildKit), so nothing here needs BuildKit syntax.
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE} AS system-packages

LABEL org.opencontainers.image.title="container-lab-training" \
      org.opencontainers.image.description="Trains the sports classifier and signs it with special_k" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="Container Lab"

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Debian's python3-gpg supplies the GnuPG bindings special_k needs (PyPI's gpg does not build).
# The versions are pinned in training/debian-packages.lock; when a Debian point release has
# dropped a pinned version from the archive, the build installs the candidate and says so
# (`debian-pins:` on the build log) instead of failing. What was installed is recorded in
# /usr/share/container-lab/debian-packages.lock, which a test compares with the lock.
# DEBIAN_PIN_OVERRIDES="name=version ..." replaces pins for one build.
ARG DEBIAN_FRONTEND=noninteractive
ARG DEBIAN_PIN_OVERRIDES=""
COPY training/debian-packages.lock training/install-debian-packages.sh /tmp/debian/
RUN /tmp/debian/install-debian-packages.sh /tmp/debian/debian-packages.lock \
        /usr/share/container-lab/debian-packages.lock \
 && rm -r /tmp/debian

FROM system-packages
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

# The same fit must give the same model on any runtime: one thread per native pool (a sum split
# between threads depends on how many CPUs the runtime shows) and a fixed hash seed.
ENV LAB_DATA_DIR=/data \
    SERIALIZATION_TRUSTED_KEYS_DIR=/trusted-keys \
    PYTHONHASHSEED=0 \
    OMP_NUM_THREADS=1 \
    OPENBLAS_NUM_THREADS=1 \
    MKL_NUM_THREADS=1
WORKDIR /app
COPY training/ /app/training/

USER ${USER_ID}:${GROUP_ID}
ENTRYPOINT ["python", "-m", "training.train"]
CMD ["/models"]
