# syntax=docker/dockerfile:1
# herald container image: the release binary (linked against glibc) on distroless/cc (glibc,
# libgcc, CA certificates; no shell), running as the image's `nonroot` user (uid/gid 65532),
# which k8s/base/deployment.yaml expects.
#
#   docker build -t ghcr.io/herald-broker/herald:0.1.0 .
#   docker run --rm -p 8080:8080 -e HERALD_API_SECRET=change-me ghcr.io/herald-broker/herald:0.1.0
#
# The cache mounts need BuildKit (the default builder of current Docker; podman/buildah support
# them too). They keep the crates.io downloads and the target directory between builds.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin herald \
    && install -D -m 0755 target/release/herald /out/herald

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/herald /usr/local/bin/herald
# herald's own default is 127.0.0.1:8080, unreachable from outside a container.
ENV HERALD_LISTEN=0.0.0.0:8080
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/herald"]
CMD ["serve"]
