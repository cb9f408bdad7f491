package quiltt_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// exampleClock stands the fake's clock still, so that expiries print the
// same on every run.
func exampleClock() time.Time { return time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC) }

// A backend issues a session token for a signed-in user's Profile, hands it
// to the browser (Quiltt's Connector), and can read as that Profile with it.
// The Session prints without its token.
func ExampleClient_IssueSessionToken() {
	srv := quilttest.NewServer(quilttest.WithClock(exampleClock)) // stands in for api.quiltt.io and auth.quiltt.io
	defer srv.Close()

	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()), quiltt.WithAuthURL(srv.AuthURL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	session, err := client.IssueSessionToken(context.Background(), &quiltt.SessionParams{UserID: srv.ProfileID()})
	switch {
	case errors.Is(err, quiltt.ErrForbidden):
		log.Fatal("the Profile has reached its session limit (10 an hour, 20 a day): reuse a token")
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(session)

	reader, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithSessionToken(session.Token()))
	if err != nil {
		log.Fatal(err)
	}
	defer reader.CloseIdleConnections()
	accounts, err := reader.Accounts(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(accounts), "accounts")
	// Output:
	// quiltt.Session{user p_12uGLpPexyTkZCcJJntSjb, uuid 018a72f8-5434-7262-a029-a186fb0c5f33, environment env_12quiltTestEnvironment, expires 2026-01-03T05:42:41Z, token [redacted]}
	// 2 accounts
}

// A new user: Quiltt creates the Profile along with its first token.
func ExampleClient_IssueSessionToken_newProfile() {
	srv := quilttest.NewServer()
	defer srv.Close()
	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()), quiltt.WithAuthURL(srv.AuthURL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	session, err := client.IssueSessionToken(context.Background(), &quiltt.SessionParams{
		UUID:     "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10", // your user's ID, if it is a UUID
		Email:    "ada@example.com",
		Names:    &quiltt.ProfileNames{First: "Ada", Last: "Lovelace"},
		Metadata: []byte(`{"customer":"c_42"}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(session.UserID != srv.ProfileID(), session.UserUUID)

	// Later sign-ins name the Profile by UserID, and may update its fields.
	again, err := client.IssueSessionToken(context.Background(), &quiltt.SessionParams{UserID: session.UserID, Email: "ada@lovelace.example"})
	fmt.Println(err == nil && again.UserID == session.UserID)
	// UUID is a new Profile's: it does not go with UserID.
	_, err = client.IssueSessionToken(context.Background(), &quiltt.SessionParams{UserID: session.UserID, UUID: session.UserUUID})
	fmt.Println(errors.Is(err, quiltt.ErrInvalidSessionParams))
	// Output:
	// true 0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10
	// true
	// true
}

// Revoke a token when the user signs out; it no longer authenticates.
func ExampleClient_RevokeSessionToken() {
	srv := quilttest.NewServer()
	defer srv.Close()
	client, err := quiltt.NewClient(
		quiltt.WithBaseURL(srv.URL()), quiltt.WithAuthURL(srv.AuthURL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()
	ctx := context.Background()
	session, err := client.IssueSessionToken(ctx, &quiltt.SessionParams{UserID: srv.ProfileID()})
	if err != nil {
		log.Fatal(err)
	}

	err = client.RevokeSessionToken(ctx, session.Token())
	fmt.Println("revoked:", err == nil)

	// A token that is already revoked (or expired) answers 401: either way
	// it is gone.
	err = client.RevokeSessionToken(ctx, session.Token())
	fmt.Println("again:", errors.Is(err, quiltt.ErrUnauthorized))
	_, err = client.IntrospectSessionToken(ctx, session.Token())
	fmt.Println("introspect:", errors.Is(err, quiltt.ErrUnauthorized))
	// Output:
	// revoked: true
	// again: true
	// introspect: true
}

// Introspection says whose a token is and until when it lasts: for a
// backend handed a token by its frontend.
func ExampleClient_IntrospectSessionToken() {
	srv := quilttest.NewServer(quilttest.WithClock(exampleClock))
	defer srv.Close()
	// Revoking and introspecting need no credential of the client's own:
	// the token is the credential.
	client, err := quiltt.NewClient(quiltt.WithAuthURL(srv.AuthURL()), quiltt.WithSessionToken(srv.SessionToken()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	session, err := client.IntrospectSessionToken(context.Background(), srv.SessionToken())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(session.UserID, session.ExpiresAt.Format(time.RFC3339))
	// Output:
	// p_12uGLpPexyTkZCcJJntSjb 2026-01-03T05:42:41Z
}

// The start-up check of a service: the key works, it belongs to the
// expected environment, and the API version is the one the code expects.
func ExampleClient_IntrospectAPIKey() {
	srv := quilttest.NewServer()
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithAuthURL(srv.AuthURL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	key, err := client.IntrospectAPIKey(ctx)
	switch {
	case errors.Is(err, quiltt.ErrUnauthorized):
		log.Fatal("the Quiltt API key is not valid")
	case err != nil:
		log.Fatal(err)
	}
	if key.Environment.Mode == quiltt.EnvironmentModeProduction {
		log.Fatal("refusing to run tests against a PRODUCTION key")
	}
	fmt.Println(key.Environment.Name, key.Environment.Mode, key.APIVersion)
	// Output:
	// quilttest TEST 2026-04-01
}
