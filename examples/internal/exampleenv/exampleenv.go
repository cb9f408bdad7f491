// Package exampleenv is the set-up the examples share: a client for the
// Quiltt API when QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID are set (at
// QUILTT_BASE_URL and QUILTT_AUTH_URL when those are set, such as the
// standalone fake cmd/quilttest prints), else one for quilttest, the SDK's
// in-process fake of the API, and the way the examples print amounts.
//
// It is internal to the examples; run them with, for instance,
// go run ./examples/balances.
package exampleenv

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// The environment variables that select the real API, or a standalone
// fake (cmd/quilttest prints the four values to set).
const (
	EnvAPIKey    = "QUILTT_API_KEY_SECRET" // the API key secret from the Quiltt Dashboard
	EnvProfileID = "QUILTT_PROFILE_ID"     // the Profile whose accounts are read ("p_…")
	EnvBaseURL   = "QUILTT_BASE_URL"       // the API host; quiltt.DefaultBaseURL when unset
	EnvAuthURL   = "QUILTT_AUTH_URL"       // the auth host; quiltt.DefaultAuthURL when unset
)

// Env is where an example runs: a client for one Profile and, in fake mode,
// the fake it talks to. Call Close when done.
type Env struct {
	// Client reads as the Profile (it is derived with ForProfile) and holds
	// the API key for REST calls such as RefreshBalance.
	Client *quiltt.Client
	// Fake is the in-process fake the Client talks to; nil against the real
	// API.
	Fake *quilttest.Server
	// BaseURL is the API host the Client talks to ("" for
	// quiltt.DefaultBaseURL): a client an example builds for itself, such
	// as one with a session token, must use it too.
	BaseURL string
}

// Open returns the Env the environment selects: the API at EnvBaseURL (and
// the auth API at EnvAuthURL) when both EnvAPIKey and EnvProfileID are set
// (getenv returns them non-empty), Quiltt's own hosts when the URLs are
// unset; else a fresh quilttest server started with fakeOpts and seeded
// with the two accounts of Quiltt's balances doc page. It writes one line to
// stderr saying which, never the API key.
//
// Failure modes: a URL that quiltt.WithBaseURL or quiltt.WithAuthURL
// refuses, or an API key holding whitespace, fails to build the client (the
// error does not quote the key); EnvBaseURL or EnvAuthURL set while EnvAPIKey
// or EnvProfileID is unset is an error naming what is missing, rather than a
// silent run against the in-process fake.
func Open(getenv func(string) string, stderr io.Writer, fakeOpts ...quilttest.Option) (*Env, error) {
	key, profile := getenv(EnvAPIKey), getenv(EnvProfileID)
	baseURL, authURL := getenv(EnvBaseURL), getenv(EnvAuthURL)
	if key != "" && profile != "" {
		opts := []quiltt.Option{quiltt.WithAPIKey(key)}
		if baseURL != "" {
			opts = append(opts, quiltt.WithBaseURL(baseURL))
		}
		if authURL != "" {
			opts = append(opts, quiltt.WithAuthURL(authURL))
		}
		client, err := quiltt.NewClient(opts...)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "Using the Quiltt API at %s (auth %s) as profile %s (%s and %s are set).\n",
			cmp.Or(baseURL, quiltt.DefaultBaseURL), cmp.Or(authURL, quiltt.DefaultAuthURL), profile, EnvAPIKey, EnvProfileID)
		return &Env{Client: client.ForProfile(profile), BaseURL: baseURL}, nil
	}
	if baseURL != "" || authURL != "" {
		return nil, fmt.Errorf("%s or %s is set but %s: set %s and %s too (cmd/quilttest prints all four), or unset the URLs to use the in-process fake",
			EnvBaseURL, EnvAuthURL, unset(key, profile), EnvAPIKey, EnvProfileID)
	}

	fake := quilttest.NewServer(fakeOpts...)
	client, err := quiltt.NewClient(quiltt.WithBaseURL(fake.URL()), quiltt.WithAuthURL(fake.AuthURL()), quiltt.WithAPIKey(fake.APIKey()))
	if err != nil {
		fake.Close()
		return nil, err
	}
	fmt.Fprintf(stderr, "%s: running against quilttest, the SDK's in-process fake of the Quiltt API (%s). Set both to use the real API.\n",
		unset(key, profile), fake.URL())
	return &Env{Client: client.ForProfile(fake.ProfileID()), Fake: fake, BaseURL: fake.URL()}, nil
}

// unset says which of the two variables are unset.
func unset(key, profile string) string {
	var names []string
	if key == "" {
		names = append(names, EnvAPIKey)
	}
	if profile == "" {
		names = append(names, EnvProfileID)
	}
	if len(names) == 1 {
		return names[0] + " is unset"
	}
	return strings.Join(names, " and ") + " are unset"
}

// Close releases the client's idle connections and stops the fake, if any,
// with every goroutine it started.
func (e *Env) Close() {
	e.Client.CloseIdleConnections()
	if e.Fake != nil {
		e.Fake.Close()
	}
}
