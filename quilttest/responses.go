package quilttest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// extensions.code values of the GraphQL errors the fake answers.
const (
	codeParseFailed      = "GRAPHQL_PARSE_FAILED"
	codeValidationFailed = "GRAPHQL_VALIDATION_FAILED"
	codeBadUserInput     = "BAD_USER_INPUT"
	codeBadRequest       = "BAD_REQUEST"
	codeInternal         = "INTERNAL_SERVER_ERROR"
)

// restError is Quiltt's error body: {"message","instruction","errorId"?}.
type restError struct {
	Message     string `json:"message"`
	Instruction string `json:"instruction"`
	ErrorID     string `json:"errorId,omitempty"`
}

// The instructions of Quiltt's error table for the refresh endpoint, and
// the fake's own where the table has none.
const (
	instrUnauthenticated = "Are you sending a valid API Key secret in the `Authorization` header?"
	instrForbidden       = "Account does not belong to an active Connection."
	instrNotFound        = "Does the URL contain the ID of a connected Account?"
	instrProviderLimit   = "The Connection provider's rate limit has been exceeded. Please try again later."
	instrAPILimit        = "The API rate limit has been exceeded. Please try again after the time in the Ratelimit-Reset header."
	instrBadRequest      = "The request could not be understood."
	instrServer          = "Something went wrong on our side. Please try again later, and quote the errorId to Quiltt support if it persists."
	instrNoRoute         = "There is no such endpoint."
	instrMethod          = "This endpoint takes POST."
)

// errorResponse is the answer of a failed request with Quiltt's body for
// the status. A 429 on the refresh route is the provider's limit, as
// Quiltt's table documents; elsewhere it is the API's own.
func errorResponse(status int, route Route) response {
	e := restError{Message: http.StatusText(status)}
	switch {
	case status == http.StatusBadRequest:
		e.Instruction = instrBadRequest
	case status == http.StatusUnauthorized:
		e.Message, e.Instruction = "Not Authenticated", instrUnauthenticated
	case status == http.StatusForbidden:
		e.Instruction = instrForbidden
	case status == http.StatusNotFound && route == "":
		e.Instruction = instrNoRoute
	case status == http.StatusNotFound:
		e.Instruction = instrNotFound
	case status == http.StatusMethodNotAllowed:
		e.Instruction = instrMethod
	case status == http.StatusTooManyRequests && route == RouteRefresh:
		e.Instruction = instrProviderLimit
	case status == http.StatusTooManyRequests:
		e.Instruction = instrAPILimit
	case status >= 500:
		e.Instruction, e.ErrorID = instrServer, newUUID()
	}
	if e.Message == "" {
		e.Message = fmt.Sprintf("HTTP %d", status)
	}
	return jsonResponse(status, e)
}

// apiLimitResponse is the 429 of the API's own request budget
// (WithRateLimit), on either route. It is not the refresh route's
// documented 429, the provider's limit, whose Ratelimit-Remaining is left
// untouched: this one tells the client to wait for Ratelimit-Reset.
func apiLimitResponse() response {
	return jsonResponse(http.StatusTooManyRequests, restError{Message: "Too Many Requests", Instruction: instrAPILimit})
}

// badKindResponse is the 400 of a provider that cannot refresh a kind.
func badKindResponse(kind string) response {
	return jsonResponse(http.StatusBadRequest, restError{
		Message:     "Bad Request",
		Instruction: fmt.Sprintf("Account provider does not support Balance Refreshes for `%s` accounts.", kind),
	})
}

// gqlError is one entry of errors[].
type gqlError struct {
	Message    string         `json:"message"`
	Locations  []gqlLocation  `json:"locations,omitempty"`
	Path       []any          `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

type gqlLocation struct {
	Line   int `json:"line"`
	Column int `json:"column"`
}

// graphQLErrorResponse answers errors[] alone, without data.
func graphQLErrorResponse(status int, message, code string) response {
	return jsonResponse(status, map[string]any{"errors": []gqlError{{
		Message: message, Extensions: map[string]any{"code": code},
	}}})
}

func jsonResponse(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		return response{status: http.StatusInternalServerError, body: []byte(`{"message":"Internal Server Error","instruction":"The fake could not encode its answer."}`)}
	}
	return response{status: status, body: b}
}

// newUUID returns a random (version 4) UUID, as Quiltt's errorIds are.
func newUUID() string {
	h := []byte(randomHex(16))
	h[12] = '4'
	h[16] = "89ab"[h[16]%4]
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:32])
}
