# quiltt-go: the commands a developer and CI run. `make test` is the one CI runs.
GO        ?= go
FUZZTIME  ?= 20000x
# The developer tools (staticcheck v0.8.2, apidiff) are pinned in their own
# module, internal/tools, so that the root module's requirements, which every
# user of the SDK resolves, stay free of them; built from there they share
# GOCACHE and GOMODCACHE with everything else (`go run pkg@version` resolved
# and built a module set of its own at every cold start).
BIN       ?= $(CURDIR)/bin
STATICCHECK = $(BIN)/staticcheck
# The Go release after the module's: `make test-next` runs the race tests and
# the side modules' tests again under it (.ci/run does, after `make test`).
NEXT_GO   ?= go1.27.3
# Side modules: every go.mod below the root (otelquiltt, examples/otel, …)
# but the tools and the stripe-go benchmark comparison; `make side` vets and
# race-tests each with its own go.mod. A new side module needs no change here.
SIDE_SKIP    ?= internal/tools internal/benchcmp/stripe
SIDE_MODULES ?= $(filter-out $(SIDE_SKIP),$(patsubst ./%/go.mod,%,$(shell find . -mindepth 2 -name go.mod -not -path './bin/*' -not -path '*/testdata/*' | sort)))

.PHONY: all test test-next generate check-generated vet lint tools apicheck race matrix fleet side fuzz-brief fuzz bench bench-stripe

all: test

## generate: regenerate genqlient's code from schema.graphql and internal/graphql/*.graphql
generate:
	$(GO) generate ./...

## check-generated: fail when regenerating changes the checked-in code
check-generated:
	@scripts/check-generated.sh

## vet: go vet and gofmt
vet:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

## tools: build the pinned developer tools into $(BIN)
tools:
	$(GO) build -C internal/tools -o $(BIN)/ honnef.co/go/tools/cmd/staticcheck golang.org/x/exp/cmd/apidiff

## lint: staticcheck (and on each side module)
lint: tools
	$(STATICCHECK) ./...
	@for m in $(SIDE_MODULES); do echo "staticcheck: $$m"; (cd $$m && $(STATICCHECK) ./...) || exit 1; done

## apicheck: the exported API against 0.1.0's; fails on an incompatible change CHANGELOG.md does not list
apicheck: tools
	@BIN=$(BIN) scripts/apicheck.sh

## race: every test but the fault matrices and the fleet simulation (their own targets), with the race detector
race:
	$(GO) test -race -count=1 -vet=off -timeout 8m -skip '^(TestFaultMatrix(HTTP2|HTTP1TLS)?|TestFleet(LimiterAfterEmptyRedisRestart)?)$$' ./...

## side: go vet and the race tests of every side module (SIDE_MODULES), each with its own go.mod
side:
	@for m in $(SIDE_MODULES); do echo "side module: $$m"; \
		(cd $$m && $(GO) vet ./... && $(GO) test -race -count=1 -vet=off -timeout 8m ./...) || exit 1; \
	done

## test-next: the race tests and the side modules' tests again under NEXT_GO (from the module proxy; the module keeps its go line)
test-next:
	GOTOOLCHAIN=$(NEXT_GO) $(GO) version
	GOTOOLCHAIN=$(NEXT_GO) $(MAKE) race side

## matrix: the fault matrices (every operation against every fault, HTTP/1.1, HTTP/2, TLS), with their summary lines
matrix:
	@scripts/matrix.sh

## fleet: the fleet simulation (16 replicas on one Redis against the fake's 25 requests/s), with its summary line
fleet:
	@scripts/fleet.sh

## fuzz-brief: every fuzz target for FUZZTIME executions (a count: see scripts/fuzz.sh) on top of its seed corpus
fuzz-brief:
	@FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## fuzz: every fuzz target for minutes (FUZZTIME_LONG each, 5m by default)
fuzz:
	@FUZZTIME=$${FUZZTIME_LONG:-5m} scripts/fuzz.sh

## test: vet, generated-code check, staticcheck, API check, race tests, the fault matrix, the fleet simulation, side modules, brief fuzzing
#
# The phases that mostly wait (the fleet on its 25 requests/s, the fault
# matrices on their servers) run beside a phase that mostly computes, two at
# a time, each one's output kept whole (--output-sync): on 2 cores a cold run
# had a core idle for about 170 s of its 450. The race tests and side modules
# skip go test's own vet pass (-vet=off): `vet` has just run the whole of it.
test: vet check-generated lint apicheck
	@$(MAKE) --no-print-directory -j2 --output-sync=target race fleet
	@$(MAKE) --no-print-directory -j2 --output-sync=target matrix side
	@$(MAKE) --no-print-directory fuzz-brief

## bench: every benchmark beside its baseline; writes BENCHMARKS.md
bench:
	@scripts/bench.sh

## bench-stripe: only the comparison with stripe-go's webhook path (its own module), in BENCHCOUNT rounds; prints its table
bench-stripe:
	@for round in $$(seq $${BENCHCOUNT:-5}); do \
		(cd internal/benchcmp/stripe && $(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...) || exit 1; \
	done | $(GO) run ./internal/benchreport
