# quiltt-go: the commands a developer and CI run. `make test` is the one CI runs.
GO        ?= go
FUZZTIME  ?= 20000x
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The modules of their own beside the root one (each has its go.mod, so the
# root's ./... does not reach them): `make side` vets, lints and race-tests each.
SIDE_MODULES ?= otelquiltt examples/otel

.PHONY: all test generate check-generated vet lint race side matrix fleet fuzz-brief fuzz bench bench-stripe

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

## lint: staticcheck
lint:
	$(STATICCHECK) ./...

## race: every test but the fault matrices and the fleet simulation (their own targets), with the race detector
race:
	$(GO) test -race -count=1 -timeout 8m -skip '^(TestFaultMatrix(HTTP2|HTTP1TLS)?|TestFleet)$$' ./...

## side: go vet, staticcheck and race tests of each side module (SIDE_MODULES)
side:
	@for m in $(SIDE_MODULES); do \
		echo "side module $$m"; \
		(cd $$m && $(GO) vet ./... && $(STATICCHECK) ./... && $(GO) test -race -count=1 -timeout 5m ./...) || exit 1; \
	done

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

## test: vet, generated-code check, staticcheck, race tests, the side modules, the fault matrix, the fleet simulation, brief fuzzing
test: vet check-generated lint race side matrix fleet fuzz-brief

## bench: every benchmark beside its baseline; writes BENCHMARKS.md
bench:
	@scripts/bench.sh

## bench-stripe: only the comparison with stripe-go's webhook path (its own module), in BENCHCOUNT rounds; prints its table
bench-stripe:
	@for round in $$(seq $${BENCHCOUNT:-5}); do \
		(cd internal/benchcmp/stripe && $(GO) test -run='^$$' -bench=. -benchmem -count=1 ./...) || exit 1; \
	done | $(GO) run ./internal/benchreport
