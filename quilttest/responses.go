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
// The keys are those of the reference's REST status table and Quiltt's
// REST OpenAPI; the id is spelt errorId, as the OpenAPI spells it (Quiltt's
// JS client types it error_id). The fake sends no other key.
type restError struct {
	Message     string `json:"message"`
	Instruction string `json:"instruction"`
	ErrorID     string `json:"errorId,omitempty"`
}

// The instructions of Quiltt's error tables (the refresh endpoint's; the
// auth API's, REST OpenAPI 2026-04-01), and the fake's own where Quiltt
// documents only the status: those are marked "ours". Where Quiltt's
// document cuts a sentence short ("…"), the fake ends it as the other
// instructions end: marked "end ours".
const (
	instrUnauthenticated = "Are you sending a valid API Key secret in the `Authorization` header?"
	instrBadSession      = "Are you sending a valid and unexpired Session token in the `Authorization` header?" // end ours
	instrProfileCap      = "You have reached the maximum number of Profiles for this Environment."              // end ours
	instrDeleting        = "Profile is currently being deleted"
	instrForbidden       = "Account does not belong to an active Connection."
	instrNotFound        = "Does the URL contain the ID of a connected Account?"
	instrProviderLimit   = "The Connection provider's rate limit has been exceeded. Please try again later."
	instrAPILimit        = "The API rate limit has been exceeded. Please try again after the time in the Ratelimit-Reset header."              // ours
	instrSessionLimit    = "The Profile has reached its limit of sessions (10 an hour, 20 a day). Please try again later."                     // ours
	instrBadRequest      = "The request could not be understood."                                                                              // ours
	instrTooLarge        = "The request body exceeds 1 MiB."                                                                                   // ours
	instrServer          = "Something went wrong on our side. Please try again later, and quote the errorId to Quiltt support if it persists." // ours
	instrNoRoute         = "There is no such endpoint."                                                                                        // ours
)

// errorResponse is the answer of a failed request with Quiltt's body for
// the status. A 429 on the refresh route is the provider's limit, as
// Quiltt's table documents; on issuing a session, the Profile's session
// limit (quiltt.dev); elsewhere the API's own. A 403 on issuing a session
// is the Environment's Profile limit, a 409 there the Profile being
// deleted (OpenAPI). A 401 on a route that takes a session token asks for
// one.
func errorResponse(status int, route Route) response {
	e := restError{Message: http.StatusText(status)}
	switch {
	case status == http.StatusBadRequest:
		e.Instruction = instrBadRequest
	case status == http.StatusUnauthorized && (route == RouteSessionRevoke || route == RouteSessionCheck || route == RouteSessionIntrospect):
		e.Message, e.Instruction = "Not Authenticated", instrBadSession
	case status == http.StatusUnauthorized:
		e.Message, e.Instruction = "Not Authenticated", instrUnauthenticated
	case status == http.StatusForbidden && route == RouteSessionIssue:
		e.Instruction = instrProfileCap
	case status == http.StatusForbidden:
		e.Instruction = instrForbidden
	case status == http.StatusNotFound && (route == RouteRefresh || route == RouteGraphQL):
		e.Instruction = instrNotFound
	case status == http.StatusNotFound:
		e.Instruction = instrNoRoute
	case status == http.StatusConflict:
		e.Instruction = instrDeleting
	case status == http.StatusRequestEntityTooLarge:
		e.Instruction = instrTooLarge
	case status == http.StatusTooManyRequests && route == RouteRefresh:
		e.Instruction = instrProviderLimit
	case status == http.StatusTooManyRequests && route == RouteSessionIssue:
		e.Instruction = instrSessionLimit
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

// methodResponse is the 405 of a route called with another method than
// allowed.
func methodResponse(allowed string) response {
	resp := jsonResponse(http.StatusMethodNotAllowed, restError{
		Message:     http.StatusText(http.StatusMethodNotAllowed),
		Instruction: "This endpoint takes " + allowed + ".", // ours
	})
	resp.header = http.Header{"Allow": {allowed}}
	return resp
}

// validationResponse is the 422 ValidationErrors body of Quiltt's OpenAPI:
// {"field": ["message", …]}.
func validationResponse(errs map[string][]string) response {
	return jsonResponse(http.StatusUnprocessableEntity, errs)
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
