# Flotilla — make help lists the targets.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

BIN            := $(CURDIR)/bin
CONTROLLER_GEN_VERSION := v0.20.1
GOLANGCI_LINT_VERSION  := v2.15.0
CONTROLLER_GEN := $(BIN)/controller-gen-$(CONTROLLER_GEN_VERSION)
GOLANGCI_LINT  := $(BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
FLOTILLA       := $(BIN)/flotilla
MEMBERS        ?= 3
GOTEST_FLAGS   ?=

.PHONY: help
help: ## Show this help.
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ Quick start
.PHONY: up
up: build ## Bring up the local fleet (hub + $(MEMBERS) members) with the sample application.
	$(FLOTILLA) dev up --members $(MEMBERS)

.PHONY: down
down: build ## Stop the local fleet and remove its state.
	$(FLOTILLA) dev down

.PHONY: test
test: deps verify lint web binaries deploy-tools ## Run everything CI runs: verify, lint, unit, integration, e2e and browser tests.
	cd web/console && npm run typecheck && npm test
	go test $(GOTEST_FLAGS) -count=1 -timeout 25m ./...

##@ Development
.PHONY: build
build: web ## Build bin/flotilla (with the web console embedded).
	go build -o $(FLOTILLA) ./cmd/flotilla

WEB_DIST := internal/console/web/dist/index.html
WEB_DEPS := web/console/node_modules/.package-lock.json

.PHONY: web
web: $(WEB_DIST) ## Build the web console (web/console, TypeScript + esbuild) into the binary's embedded files.

$(WEB_DEPS): web/console/package.json web/console/package-lock.json
	@command -v npm >/dev/null || { echo "web: npm is missing: install Node.js 20+ (Debian: apt-get install nodejs npm)"; exit 1; }
	cd web/console && npm ci --no-audit --no-fund --loglevel=error

$(WEB_DIST): $(WEB_DEPS) web/console/build.mjs $(shell find web/console/src -type f 2>/dev/null)
	cd web/console && npm run build --silent

.PHONY: deps
deps: ## Install the Debian packages the local fleet and the tests use (prometheus, chromium) when missing and apt-get can.
	@missing=""; command -v prometheus >/dev/null || missing="$$missing prometheus"; \
	  command -v chromium >/dev/null || missing="$$missing chromium"; \
	  if [ -n "$$missing" ]; then \
	    if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	    else echo "deps: missing:$$missing: 'apt-get install$$missing' (as root); PromQL tests and browser tests are skipped without them"; fi; fi

.PHONY: binaries
binaries: build ## Build (or reuse) the pinned Kubernetes, etcd and KWOK binaries.
	$(FLOTILLA) dev binaries

.PHONY: unit
unit: ## Run the unit tests only (no API servers).
	go test -short -count=1 ./...

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate deepcopy, CRDs, RBAC and the webhook configuration with controller-gen (and copy them into the Helm chart).
	$(CONTROLLER_GEN) object paths=./api/...
	$(CONTROLLER_GEN) crd paths=./api/... output:crd:artifacts:config=config/crd/bases
	$(CONTROLLER_GEN) rbac:roleName=flotilla-controller paths=./internal/... output:rbac:artifacts:config=config/rbac
	$(CONTROLLER_GEN) webhook paths=./internal/... output:webhook:artifacts:config=config/webhook
	$(MAKE) --no-print-directory chart-crds

.PHONY: verify
verify: generate ## Fail when generated files or go.mod are out of date.
	go mod tidy
	gofmt -l . | (! grep .) || (echo "gofmt: run 'gofmt -w .'"; exit 1)
	@git diff --exit-code -- api config deploy/helm/flotilla/crds deploy/helm/flotilla/files go.mod go.sum || (echo "generated files are stale: run 'make generate' and 'go mod tidy', then commit"; exit 1)

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint.
	$(GOLANGCI_LINT) run ./...

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 10s).
	@for pkg in $$(go list ./...); do \
	  for f in $$(go test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f"; go test -run '^$$' -fuzz "^$$f$$" -fuzztime $${FUZZTIME:-10s} $$pkg; \
	  done; done

.PHONY: bench
bench: binaries ## Run the benchmarks (see docs/benchmarks.md).
	go test -run '^$$' -bench . -benchtime 1x -timeout 30m ./...

.PHONY: tools
tools: $(CONTROLLER_GEN) $(GOLANGCI_LINT) ## Install the pinned developer tools into bin/.

$(CONTROLLER_GEN):
	GOBIN=$(BIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)
	mv $(BIN)/controller-gen $@

$(GOLANGCI_LINT):
	GOBIN=$(BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(BIN)/golangci-lint $@

##@ Packaging
HELM_VERSION      := v3.22.0
KUSTOMIZE_VERSION := v5.8.2
HELM      := $(BIN)/helm-$(HELM_VERSION)
KUSTOMIZE := $(BIN)/kustomize-$(KUSTOMIZE_VERSION)
IMAGE     ?= ghcr.io/flotilla-dev/flotilla:dev
CHART     := deploy/helm/flotilla
# The hub's Kubernetes version for `make render` (helm template assumes an old one otherwise).
RENDER_KUBE_VERSION ?= 1.35.4

.PHONY: image
image: ## Build the container image IMAGE (default ghcr.io/flotilla-dev/flotilla:dev) with docker build (needs a Docker engine: not run in CI).
	@command -v docker >/dev/null || { echo "image: docker is missing: build on a machine with a Docker engine (or buildx/podman as docker)"; exit 1; }
	docker build -t $(IMAGE) .

.PHONY: chart-crds
chart-crds: ## Copy the generated CRDs (and the controller's RBAC and webhook configuration) into the Helm chart.
	mkdir -p $(CHART)/crds $(CHART)/files
	rm -f $(CHART)/crds/*.yaml
	cp config/crd/bases/*.yaml $(CHART)/crds/
	cp config/rbac/role.yaml $(CHART)/files/role.yaml
	cp config/webhook/manifests.yaml $(CHART)/files/webhook-manifests.yaml

.PHONY: render
render: $(HELM) $(KUSTOMIZE) ## Print the install manifests: kustomize build config/default, then helm template with default values.
	$(KUSTOMIZE) build config/default
	@echo ---
	$(HELM) template flotilla $(CHART) --namespace flotilla-system --kube-version $(RENDER_KUBE_VERSION)

.PHONY: deploy-tools
deploy-tools: $(HELM) $(KUSTOMIZE) ## Install the pinned helm and kustomize into bin/ (test/deploy renders the manifests with them).

$(HELM):
	GOBIN=$(BIN) go install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)
	mv $(BIN)/helm $@

$(KUSTOMIZE):
	GOBIN=$(BIN) go install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)
	mv $(BIN)/kustomize $@
