# recur: every check CI runs. `make test` is the one command; the rest are its parts.

GO          ?= go
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# Every module in the repository (the root and any nested go.mod, e.g. bench/).
MODULES     := $(shell find . -name go.mod -not -path './.git/*' -exec dirname {} \; | sort)
LEAVES      := ./backoff ./breaker ./scheduler
MODULE_PATH := github.com/recur-go/recur

.PHONY: test fmt vet staticcheck leaves race bench

test: fmt vet staticcheck leaves race

fmt:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	@for m in $(MODULES); do echo "go vet $$m"; (cd $$m && $(GO) vet ./...) || exit 1; done

staticcheck:
	@for m in $(MODULES); do echo "staticcheck $$m"; (cd $$m && $(STATICCHECK) ./...) || exit 1; done

# The leaf packages use only the standard library and never import each other.
leaves:
	@bad=$$(for p in $(LEAVES); do [ -d $$p ] && $(GO) list -deps $$p | grep '^$(MODULE_PATH)' | grep -vx '$(MODULE_PATH)/'$${p#./}; done); \
	if [ -n "$$bad" ]; then echo "a leaf package imports: $$bad"; exit 1; fi; echo "leaves import only the standard library"

race:
	@for m in $(MODULES); do echo "go test -race $$m"; (cd $$m && $(GO) test -race -count=1 ./...) || exit 1; done

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./...
