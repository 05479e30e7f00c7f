# syntax=docker/dockerfile:1
# The flotilla image: one static binary (controller, console, CLI) on distroless, as non-root.
#   make image                        # docker build -t ghcr.io/flotilla-dev/flotilla:dev .
#   make image IMAGE=registry.example.com/flotilla:v0.1.0
# Multi-platform: docker buildx build --platform linux/amd64,linux/arm64 -t IMAGE --push .
# See docs/install.md.

ARG GO_VERSION=1.26
ARG NODE_VERSION=20

# 1. The console's front-end (web/console, TypeScript + esbuild): the same as `make web`, built
#    into internal/console/web/dist, which the Go binary embeds. It is platform-independent, so
#    it builds on the build machine's platform.
FROM --platform=$BUILDPLATFORM node:${NODE_VERSION}-bookworm-slim AS web
WORKDIR /src/web/console
COPY web/console/package.json web/console/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/console/ ./
RUN npm run build --silent

# 2. The binary: static (CGO_ENABLED=0), no paths or symbols (-trimpath -s -w), cross-compiled
#    by Go for the target platform.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
COPY --from=web /src/internal/console/web/dist/ internal/console/web/dist/
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    test -f internal/console/web/dist/index.html && \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -buildvcs=false -ldflags="-s -w" -o /out/flotilla ./cmd/flotilla

# 3. The image: distroless static (CA certificates, tzdata for the autoscaler's time zones,
#    /etc/passwd with nonroot) running as the non-root user 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/flotilla /usr/local/bin/flotilla
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/flotilla"]
CMD ["--help"]
