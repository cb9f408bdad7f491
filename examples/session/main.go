// Command session walks a session token through its life, as a backend
// that serves Quiltt's Connector does: it checks the API key (start-up),
// issues a token for the Profile, introspects it, reads the Profile's
// balances with it alone, and revokes it.
//
// Run it from the repository's root:
//
//	go run ./examples/session
//
// With QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID set it uses the real API
// (each run issues one token, which counts against the Profile's limit of
// 10 sessions an hour and 20 a day, and revokes it); otherwise it says so
// on stderr and uses quilttest, the SDK's in-process fake. The token is
// never printed.
//
// QUILTT_BASE_URL and QUILTT_AUTH_URL point it at another API and auth host
// than Quiltt's, such as the standalone fake: run cmd/quilttest and export
// the four variables its banner prints (see the README).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/examples/internal/exampleenv"
	"github.com/quiltt-go/quiltt/quilttest"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "session:", err)
		os.Exit(1)
	}
}

// run goes through the token's life against the API the environment
// selects (fakeOpts configure the fake, if that is it) and reports each
// step on stdout.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer, fakeOpts ...quilttest.Option) (err error) {
	env, err := exampleenv.Open(getenv, stderr, fakeOpts...)
	if err != nil {
		return err
	}
	defer env.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	client := env.Client // the API key; reads as the Profile (ForProfile)

	// At start-up: the key works, and belongs to the environment we think.
	key, err := client.IntrospectAPIKey(ctx)
	if err != nil {
		return fmt.Errorf("checking the API key: %w", err)
	}
	fmt.Fprintf(stdout, "API key %q: environment %s (%s), API version %s\n",
		key.Name, key.Environment.Name, key.Environment.Mode, key.APIVersion)

	// Issue a token for the Profile: what a backend hands to the browser.
	session, err := client.IssueSessionToken(ctx, &quiltt.SessionParams{UserID: client.ProfileID()})
	if err != nil {
		return fmt.Errorf("issuing a session token: %w", err)
	}
	fmt.Fprintf(stdout, "Issued a session token for %s, valid until %s\n",
		session.UserID, session.ExpiresAt.UTC().Format(time.RFC3339))
	revoked := false
	defer func() {
		// Whatever failed below, do not leave the token behind.
		if !revoked {
			if rerr := client.RevokeSessionToken(context.WithoutCancel(ctx), session.Token()); rerr != nil {
				err = errors.Join(err, fmt.Errorf("revoking the session token: %w", rerr))
			}
		}
	}()

	// Introspect it: whose it is, and until when.
	seen, err := client.IntrospectSessionToken(ctx, session.Token())
	if err != nil {
		return fmt.Errorf("introspecting the session token: %w", err)
	}
	fmt.Fprintf(stdout, "Introspected: Profile %s (%s), environment %s\n", seen.UserID, seen.UserUUID, seen.EnvironmentID)

	// Read with the token alone, as the Connector's frontend would.
	opts := []quiltt.Option{quiltt.WithSessionToken(session.Token())}
	if env.BaseURL != "" { // the fake, or QUILTT_BASE_URL's host
		opts = append(opts, quiltt.WithBaseURL(env.BaseURL))
	}
	reader, err := quiltt.NewClient(opts...)
	if err != nil {
		return err
	}
	defer reader.CloseIdleConnections()
	accounts, err := reader.Accounts(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading with the session token: %w", err)
	}
	rows := [][]string{{"ACCOUNT", "CURRENT"}}
	for _, a := range accounts {
		current := exampleenv.NoAmount
		if a.Balance != nil {
			current = exampleenv.Amount(a.Balance.Current)
		}
		rows = append(rows, []string{a.Name, current})
	}
	if err := exampleenv.WriteTable(stdout, rows, 1); err != nil {
		return err
	}

	// Revoke it: the user signed out.
	if err := client.RevokeSessionToken(ctx, session.Token()); err != nil {
		return fmt.Errorf("revoking the session token: %w", err)
	}
	revoked = true
	fmt.Fprintln(stdout, "Revoked the session token.")

	_, err = reader.Accounts(ctx, nil)
	switch {
	case errors.Is(err, quiltt.ErrUnauthorized):
		fmt.Fprintln(stdout, "The revoked token no longer reads: 401 Unauthorized.")
		return nil
	case err != nil:
		return fmt.Errorf("reading with the revoked token: %w", err)
	}
	return errors.New("the revoked token still reads")
}
