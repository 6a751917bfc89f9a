# recur: every check CI runs. `make test` is the one command; the rest are its parts.

GO          ?= go
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Every module in the repository (the root and any nested go.mod, e.g. bench/).
MODULES     := $(shell find . -name go.mod -not -path './.git/*' -exec dirname {} \; | sort)
LEAVES      := ./backoff ./breaker ./scheduler
MODULE_PATH := github.com/recur-go/recur
# Per-module checks run with the workspace (go.work) off: each module is checked on its own
# go.mod, as its users build it (bench/ reaches the root module through its replace
# directive). `./...` never crosses into a nested module, so every package is checked once.
PERMODULE   := GOWORK=off

# The root module supports the Go release before the current one too (its go.mod says 1.25.0):
# the library and the examples are also tested with that toolchain, which `go` fetches through
# the module proxy. bench/ and faults/ follow their dependencies, which need the current Go.
GO_PREVIOUS := go1.25.5
LIBRARY     := . ./backoff/... ./breaker/... ./scheduler/... ./engine/... ./httpretry/... ./internal/... ./recurtest/... ./examples/...

.PHONY: test fmt vet staticcheck leaves race workspace go125 tidy bench bench-compare chaos fuzz faults

test: fmt vet staticcheck leaves race workspace go125

fmt:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do echo "go vet $$m"; (cd $$m && $(PERMODULE) $(GO) vet ./...) || exit 1; done

staticcheck:
	@for m in $(MODULES); do echo "staticcheck $$m"; (cd $$m && $(PERMODULE) $(STATICCHECK) ./...) || exit 1; done

# The leaf packages use only the standard library and never import each other.
leaves:
	@bad=$$(for p in $(LEAVES); do [ -d $$p ] && $(GO) list -deps $$p | grep '^$(MODULE_PATH)' | grep -vx '$(MODULE_PATH)/'$${p#./}; done); \
	if [ -n "$$bad" ]; then echo "a leaf package imports: $$bad"; exit 1; fi; echo "leaves import only the standard library"

race:
	@for m in $(MODULES); do echo "go test -race $$m"; (cd $$m && $(PERMODULE) $(GO) test -race -count=1 ./...) || exit 1; done

# The workspace ties the modules together so that commands work from the root
# (go run ./bench/cmd/compare); check that it still builds every module.
workspace:
	@echo "go build (workspace)"; $(GO) build $(addsuffix /...,$(MODULES))

# Outside the workspace, whose go.work needs the current Go for bench/ and faults/.
go125:
	@echo "go test ($(GO_PREVIOUS)) $(LIBRARY)"; GOWORK=off GOTOOLCHAIN=$(GO_PREVIOUS) $(GO) test -count=1 $(LIBRARY)

# Each go.mod and go.sum is exactly what `go mod tidy` makes of it (not part of test).
tidy:
	@for m in $(MODULES); do echo "go mod tidy -diff $$m"; (cd $$m && $(PERMODULE) $(GO) mod tidy -diff) || exit 1; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./...

# recur side by side with its peers (bench/): medians and ratios as Markdown, charts in bench/out/.
bench-compare:
	$(GO) run ./bench/cmd/compare -plot bench/out

# Reliability: the long forms of what `make test` runs short (see chaos/doc.go).
CHAOS_CALLS ?= 5000000
CHAOS_FLAGS ?=
chaos:
	@status=0; \
	$(GO) test -count=1 -timeout 60m -v -run '^Test' ./chaos -chaos.calls=$(CHAOS_CALLS) -chaos.realtime=60s $(CHAOS_FLAGS) || status=1; \
	$(GO) test -race -count=1 -timeout 60m -v -run '^Test' ./chaos -chaos.calls=1000000 -chaos.realtime=30s $(CHAOS_FLAGS) || status=1; \
	exit $$status

# Each fuzz target for FUZZTIME; `make test` runs their seed corpora (testdata/fuzz). A failure
# writes its input to testdata/fuzz; a failure that writes none is Go 1.26's race at the end of
# -fuzztime (go.dev/issue/75804, fixed in Go 1.27), reported but not failed on.
FUZZTIME     ?= 30s
FUZZ_TARGETS := ./backoff:FuzzStrategy ./breaker:FuzzOptions ./breaker:FuzzProbeLimit \
	./engine:FuzzOptions ./engine:FuzzMarkers ./httpretry:FuzzParseRetryAfter
fuzz:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t##*:}; \
	if ! grep -qs "^func $$name(" $$pkg/*_test.go; then echo "no $$name in $$pkg yet"; continue; fi; \
	echo "go test -fuzz $$name $$pkg (-fuzztime $(FUZZTIME))"; corpus=$$pkg/testdata/fuzz/$$name; \
	before=$$(ls $$corpus 2>/dev/null | wc -l); \
	if ! $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg; then \
		[ "$$(ls $$corpus 2>/dev/null | wc -l)" -gt "$$before" ] && exit 1; \
		echo "$$name: no failing input written: go.dev/issue/75804, not a failure of $$pkg"; fi; done

# The fault scenarios against toxiproxy in their long form, with the report table; `make test`
# runs the short form (faults/ installs the toxiproxy server into .tools/ if need be).
faults:
	cd faults && $(GO) test -count=1 -timeout 30m -faults.full -faults.report ../.tools/faults-report.txt
