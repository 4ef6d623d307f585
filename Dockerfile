# A small image of rediskit for CI (Cloud Build, GitHub Actions): a static
# binary on distroless/static, which has the CA certificates the Google and
# Upstash APIs need and nothing else (no shell). rediskit is the entrypoint:
#
#   docker build --build-arg VERSION=v0.2.0 --build-arg COMMIT=$(git rev-parse HEAD) \
#     -t REGION-docker.pkg.dev/PROJECT/tools/rediskit:v0.2.0 .
#   docker run --rm -v "$PWD:/work" IMAGE plan --no-color infra/redis/stack.hcl
#
# It runs as root so that it can write plan and state files in a mounted
# workspace owned by anyone (Cloud Build's /workspace is root's).

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=0.1.0-dev
ARG COMMIT=""
ARG DATE=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/rediskit/rediskit/cmd.Version=${VERSION} -X github.com/rediskit/rediskit/cmd.Commit=${COMMIT} -X github.com/rediskit/rediskit/cmd.Date=${DATE}" \
      -o /out/rediskit ./cmd/rediskit

FROM gcr.io/distroless/static-debian12
COPY --from=build /out/rediskit /usr/local/bin/rediskit
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/rediskit"]
