// Package quilttest is an in-process fake of the Quiltt API (api.quiltt.io
// and auth.quiltt.io) for tests: point a quiltt.Client at it with
// quiltt.WithBaseURL (and quiltt.WithAuthURL) and test your own code against
// seeded profiles, accounts and balances, without a network. cmd/quilttest
// runs the same fake as a standalone server.
//
// The fake serves what the balances slice of the API needs, at URL:
//
//   - POST {base}/v1/graphql: every query is parsed and validated against the
//     schema the SDK is built on (quiltt.Schema(), API version 2026-04-01;
//     a request of an earlier version, by its Quiltt-Version or the key's
//     WithAPIVersion, also gets the Account.type and Account.origin that
//     2026-04-01 removed), then executed: any valid
//     selection over Query.account, Query.accounts, Query.connection,
//     Query.connections and Query.profile, with aliases, named and inline
//     fragments, variables, @skip/@include and __typename, answered in
//     selection order. accounts(filter:) filters by kind, kind_not,
//     connection_status, connection_status_not, verified, metadata and the
//     transactedFirstOn/transactedLastOn bounds; account(id:) is null for an
//     unknown ID or one of another profile.
//   - POST {base}/v1/accounts/{id}/balances/refresh: 202 and, after a
//     configurable delay, a new balance with source REFRESH that becomes the
//     account's balance, and a signed balance.created webhook delivery.
//
// and the auth API on a second listener, at AuthURL, as Quiltt's REST
// OpenAPI (2026-04-01) documents it:
//
//   - POST {auth}/v1/users/sessions (API key): a session token for an
//     existing Profile ({"userId"}: its ID or UUID) or a new one (uuid,
//     email, phone, name, names, dateOfBirth, address, metadata): 201 with
//     {token, userId, userUuid, environmentId, expiration, expiresAt}; 403
//     past the Profile's limits (10 sessions an hour, 20 a day, on the
//     server's clock); 409 for a Profile being deleted (SetProfileDeleting);
//     422 with {field: [messages]} for bad input.
//   - DELETE {auth}/v1/users/session (the session token): 204.
//   - POST {auth}/v1/introspect/session_token (the session token): 200 with
//     the same session.
//   - POST {auth}/v1/introspect/api_key (API key): 200 with {id, name,
//     apiVersion, metadata, environment{id, name, mode, metadata}}.
//
// Authentication is as Quiltt documents it: GraphQL takes Basic
// base64(profileID:apiKey) (a profile UUID works in place of the ID) or
// Bearer <session token>; the refresh, issuing a session and introspecting
// the key take Bearer <API key>; revoking and introspecting a session take
// Bearer <session token>. A token lives 24 hours on the server's clock
// (WithClock), until revoked. Anything else is answered 401.
//
// Every answer, on either listener, carries Ratelimit-Limit,
// Ratelimit-Remaining and Ratelimit-Reset (Unix seconds) and echoes
// Quiltt-Version (the request's, else the key's). Faults can be injected
// per route (FailNext), rate limits enforced (WithRateLimit,
// WithRateLimitGCRA), and every request is logged, credentials redacted
// (Requests).
//
// # Choices where Quiltt's documents are silent
//
// These follow the SDK's reference notes; each is marked UNCONFIRMED there
// or not covered at all:
//
//   - GraphQL parse and validation errors are answered HTTP 200 with
//     errors[] and no data, extensions.code GRAPHQL_PARSE_FAILED or
//     GRAPHQL_VALIDATION_FAILED; bad variables and an unknown or missing
//     operation name get BAD_USER_INPUT; a body that is not a JSON object
//     gets HTTP 400 with code BAD_REQUEST; a body over 1 MiB gets HTTP 413.
//   - Non-2xx REST answers and the non-GraphQL answers of the GraphQL
//     route (401, 429, injected faults) carry Quiltt's REST error body
//     {"message","instruction","errorId"?}, with the keys of the
//     reference's status table and the errorId spelling of Quiltt's
//     OpenAPI (its JS client's error_id is never sent); 5xx bodies carry a
//     fresh errorId. The instructions of statuses Quiltt documents without
//     a body (the auth API's 403 and 409, 405, 413, the API's own 429, 5xx)
//     are the fake's own. GraphQL errors carry the GraphQL specification's
//     message, locations and path, and extensions.code, the key Quiltt's
//     own client reads.
//   - Introspection (__schema, __type) validates but is answered with a
//     field error: the fake does not implement it.
//   - kind and connection_status never match an account whose kind or
//     connection is null; kind_not and connection_status_not keep it. An
//     empty list in kind or connection_status matches nothing. search
//     matches a case-insensitive substring of the account name. The metadata
//     filter matches accounts whose metadata object holds every top-level
//     key of the filter with an equal value.
//   - A refresh is refused 403 when the account has no connection or its
//     connection is disconnected (DISCONNECTED, DISCONNECTING) or in an
//     error state (ERROR_REPAIRABLE, ERROR_SERVICE, ERROR_PROVIDER,
//     ERROR_INSTITUTION), and 400 for the documented provider gaps: FINICITY
//     refreshes only DEPOSITORY accounts, PLAID no LOAN account.
//   - The session limits count the sessions the auth API issued in the
//     last hour and day, revoked ones included; tokens from the Go helpers
//     (SessionToken, IssueSessionToken) do not count. A POST
//     /v1/users/sessions body that is not a JSON object, an unknown userId,
//     userId with the fields of a new Profile, a UUID already taken and
//     malformed fields are all answered 422, a body-wide problem under the
//     key "base" and a nested field as "address.countryCode"; keys Quiltt
//     does not document are ignored. phone, names, dateOfBirth and address
//     are checked and then dropped: the Profile of the schema slice has no
//     such fields.
//   - API versions: any YYYY-MM-DD date is accepted and echoed; a date
//     before 2026-04-01 is served as the versions before it (2024-01-01,
//     2025-04-01). Connection.features, AccountFilter.type and the search
//     argument of Connection.accounts, which 2026-04-01 removed, are served
//     under no version: their shapes are not in the documents the SDK is
//     built from.
//   - Rate limits count fixed windows per credential (the API key, shared by
//     Basic and Bearer, or each session token), or, with WithRateLimitGCRA,
//     a rate with bursts of the whole budget; by default they are only
//     reported, with Quiltt's budgets (25/s, 100/s for session tokens), not
//     enforced. No Retry-After is sent unless a Fault asks for it. A
//     request past an enforced budget gets 429 with Ratelimit-Remaining 0
//     and an instruction to wait for Ratelimit-Reset, on either route; the
//     refresh route's documented 429 (the provider's limit, with budget
//     left) is what Status(429) injects there.
//   - Webhook deliveries are POSTed once: a non-2xx answer is logged in
//     Deliveries, not retried.
//
// The fake starts no goroutine outside NewServer's two httptest servers and
// the delayed refreshes; Close (or Shutdown) stops them all.
package quilttest
