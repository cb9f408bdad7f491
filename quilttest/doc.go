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
//     account's balance, and a signed balance.created webhook delivery to
//     each subscription that includes it.
//   - {base}/v1/webhooks/subscriptions (API key), as Quiltt's REST OpenAPI
//     (2026-04-01) describes it: GET lists them, oldest first, a page at a
//     time (page, limit) with the headers current-page, page-items,
//     total-count and total-pages; POST creates one from
//     {"name","targetUrl","eventTypes"} (201); GET, PATCH (only the fields
//     sent) and DELETE (204) /{id}; 404 for an unknown ID; 422
//     {"targetUrl":["Target URL is not a valid HTTPS URL"]} and the like
//     for bad fields. Every event the fake produces (balance.created, for
//     now) is POSTed to each enabled subscription whose event types, or a
//     parent scope of them ("balance"), include it, signed with the
//     environment's secret (Server.WebhookSecret); SetWebhook keeps one
//     such subscription with a secret of its own. A delivery the receiver
//     refuses or misses is tried again (WithRedelivery).
//
// and the auth API on a second listener, at AuthURL, as Quiltt's REST
// OpenAPI (2026-04-01) documents it:
//
//   - POST {auth}/v1/users/sessions (API key): a session token for an
//     existing Profile ({"userId"}: its ID or UUID, with the fields of a
//     ProfileUpdateRequest to set, as the OpenAPI's oneOf[0] allows) or a
//     new one (uuid, email, phone, name, names, dateOfBirth, address with
//     an ISO 3166-1 alpha-3 countryCode from the OpenAPI's enum, "USA";
//     metadata): 201 with {token, userId, userUuid, environmentId,
//     expiration, expiresAt}; 403 {"message":"Forbidden","instruction":"You
//     have reached the maximum number of Profiles for this Environment."}
//     past the Environment's Profile limit (SetProfileLimit); 409
//     {"message":"Conflict","instruction":"Profile is currently being
//     deleted"} for a Profile being deleted (SetProfileDeleting); 429 past
//     the Profile's session limits (10 sessions an hour, 20 a day, on the
//     server's clock: quiltt.dev, issuing-session-tokens); 422 with
//     {field: [messages]} for bad input.
//   - DELETE {auth}/v1/users/session (the session token): 204.
//   - GET {auth}/v1/users/session (the session token): 200, the validity
//     check of quiltt.dev's managing-session-tokens.
//   - POST {auth}/v1/introspect/session_token (the session token): 200 with
//     the same session.
//
// On the routes that take a session token, a 401 says so: {"message":"Not
// Authenticated","instruction":"Are you sending a valid and unexpired
// Session token in the `Authorization` header?"}.
//   - POST {auth}/v1/introspect/api_key (API key): 200 with {id, name,
//     apiVersion, metadata, environment{id, name, mode, metadata}}.
//
// Authentication is as Quiltt documents it: GraphQL takes Basic
// base64(profileID:apiKey) (a profile UUID works in place of the ID) or
// Bearer <session token>; the refresh, issuing a session and introspecting
// the key take Bearer <API key>; revoking, checking and introspecting a
// session take Bearer <session token>. A token lives 24 hours on the server's clock
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
// or not covered at all. Each is an assumption about Quiltt, as are the
// SDK's own where its doc comments say so (X-Request-Id as the request ID,
// extensions.error_id, several signatures in one header, Retry-After and
// Ratelimit-Reset read as delta seconds too):
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
//     fresh errorId. That body on the GraphQL route's 401 is an
//     assumption. The instructions of statuses Quiltt documents without a
//     body (the session limit's 429, 405, 413, the API's own 429, 5xx) are
//     the fake's own, and so is the end of the two instructions Quiltt's
//     documents cut short (the session-token 401's, the Profile limit's
//     403). The session limit's 429 carries a Retry-After of the seconds
//     until the next session is allowed. GraphQL errors carry the GraphQL
//     specification's message, locations and path, and extensions.code,
//     the key Quiltt's own client reads; the codes beyond the documented
//     UNAUTHENTICATED, BAD_USER_INPUT and INTERNAL_SERVER_ERROR
//     (GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_REQUEST) are
//     assumptions.
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
//     /v1/users/sessions body that is not a JSON object, an unknown userId
//     (an assumption: Quiltt does not say), userId with uuid, a UUID
//     already taken and malformed fields are all answered 422, a body-wide
//     problem under the key "base" and a nested field as
//     "address.countryCode"; keys Quiltt does not document are ignored.
//     With userId, email, name and metadata update the Profile when the
//     session is issued. phone, names, dateOfBirth and address are checked
//     and then dropped: the Profile of the schema slice has no such
//     fields. GET /v1/users/session answers its 200 without a body.
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
//   - Webhook deliveries: a delivery that gets no 2xx (a refusal, or no
//     answer: connection refused, a timeout) is tried again after 1, 2, 4,
//     8, 16 and 32 seconds (DefaultRedelivery: seven tries over about a
//     minute), the same body re-signed at each try, until a 2xx, the
//     subscription is deleted or disabled, or the server closes. Quiltt
//     says it retries, not how often or how far apart (UNCONFIRMED in the
//     SDK's reference). Every try is logged (Deliveries, WithDeliveryHook)
//     with its Attempt number. Deliveries to an https URL verify its
//     certificate as any client does: on loopback, receive over http.
//   - Webhook subscriptions: a target URL must be an absolute https URL,
//     or (the fake's allowance, so that tests can receive on loopback)
//     http on localhost, 127.0.0.0/8 or ::1. Event types must be ones the
//     SDK knows or a parent scope of them (quiltt.EventType.Subscribable);
//     others get 422 {"eventTypes":["includes an unknown event type"]}. A
//     missing targetUrl or eventTypes gets "can't be blank"; name is
//     optional. disabled is accepted in a create or an update body. IDs
//     read "whsub_" and 22 base62 characters (Quiltt documents no
//     prefix). The list's default page size is 20 and its largest 100
//     (pagy's defaults, whose header names Quiltt's are); a page past the
//     last is an empty array, and a page or limit that is not a positive
//     integer gets 400. The environment's secret is random ("whsec_" and
//     32 hex digits) unless WithWebhookSecret sets it.
//
// The fake starts no goroutine outside NewServer's two httptest servers,
// the delayed refreshes and the redeliveries waiting for their time;
// Close (or Shutdown) stops them all.
package quilttest
