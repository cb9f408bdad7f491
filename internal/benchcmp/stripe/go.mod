module github.com/quiltt-go/quiltt/internal/benchcmp/stripe

go 1.26.0

require (
	github.com/quiltt-go/quiltt v0.0.0
	github.com/stripe/stripe-go/v85 v85.0.0
)

require (
	github.com/Khan/genqlient v0.8.1 // indirect
	github.com/agnivade/levenshtein v1.2.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/shopspring/decimal v1.6.0 // indirect
	github.com/vektah/gqlparser/v2 v2.5.64 // indirect
	golang.org/x/time v0.16.0 // indirect
)

replace github.com/quiltt-go/quiltt => ../../..
