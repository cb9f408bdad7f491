// Package quilttest is an in-process fake of the Quiltt API (api.quiltt.io)
// for tests: point a quiltt.Client at it with quiltt.WithBaseURL and test your
// own code against seeded profiles, accounts and balances, without a network.
//
// The fake serves what the balances slice of the API needs:
//
//   - POST {base}/v1/graphql: every query is parsed and validated against the
//     schema the SDK is built on (quiltt.Schema()), then executed: any valid
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
// Authentication is as Quiltt documents it: GraphQL takes Basic
// base64(profileID:apiKey) (a profile UUID works in place of the ID) or
// Bearer <session token>; REST takes Bearer <API key>. Anything else is
// answered 401.
//
// Every answer carries Ratelimit-Limit, Ratelimit-Remaining and
// Ratelimit-Reset (Unix seconds) and echoes Quiltt-Version. Faults can be
// injected per route (FailNext), rate limits enforced (WithRateLimit), and
// every request is logged, credentials redacted (Requests).
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
//   - Non-2xx answers of either route (401, 429, injected faults) carry
//     Quiltt's REST error body {"message","instruction","errorId"?}; 5xx
//     bodies carry a fresh errorId.
//   - Introspection (__schema, __type) validates but is answered with a
//     field error: the fake does not implement it.
//   - kind and connection_status never match an account whose kind or
//     connection is null; kind_not and connection_status_not keep it. An
//     empty list in kind or connection_status matches nothing. search
//     matches a case-insensitive substring of the account name. The metadata
//     filter matches accounts whose metadata object holds every top-level
//     key of the filter with an equal value.
//   - A refresh is refused 403 when the account has no connection or its
//     connection is DISCONNECTED or DISCONNECTING, and 400 for the
//     documented provider gaps: FINICITY refreshes only DEPOSITORY accounts,
//     PLAID no LOAN account.
//   - Rate limits count fixed windows per credential (the API key, shared by
//     Basic and Bearer, or each session token); by default they are only
//     reported, with Quiltt's budgets (25/s, 100/s for session tokens), not
//     enforced. No Retry-After is sent unless a Fault asks for it. A
//     request past an enforced budget gets 429 with Ratelimit-Remaining 0
//     and an instruction to wait for Ratelimit-Reset, on either route; the
//     refresh route's documented 429 (the provider's limit, with budget
//     left) is what Status(429) injects there.
//   - Webhook deliveries are POSTed once: a non-2xx answer is logged in
//     Deliveries, not retried.
//
// The fake starts no goroutine outside NewServer's httptest server and the
// delayed refreshes; Close stops them all.
package quilttest
