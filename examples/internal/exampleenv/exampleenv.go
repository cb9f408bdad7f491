// Package exampleenv is the set-up the examples share: a client for the
// real Quiltt API when QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID are set,
// else one for quilttest, the SDK's in-process fake of the API, and the
// way the examples print amounts.
//
// It is internal to the examples; run them with, for instance,
// go run ./examples/balances.
package exampleenv

import (
	"fmt"
	"io"
	"strings"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// The environment variables that select the real API.
const (
	EnvAPIKey    = "QUILTT_API_KEY_SECRET" // the API key secret from the Quiltt Dashboard
	EnvProfileID = "QUILTT_PROFILE_ID"     // the Profile whose accounts are read ("p_…")
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
}

// Open returns the Env the environment selects: the real API when both
// EnvAPIKey and EnvProfileID are set (getenv returns them non-empty), else a
// fresh quilttest server started with fakeOpts and seeded with the two
// accounts of Quiltt's balances doc page. It writes one line to stderr
// saying which, never the API key. It fails if the client cannot be built
// (an API key holding whitespace, for instance; the error does not quote
// it).
func Open(getenv func(string) string, stderr io.Writer, fakeOpts ...quilttest.Option) (*Env, error) {
	key, profile := getenv(EnvAPIKey), getenv(EnvProfileID)
	if key != "" && profile != "" {
		client, err := quiltt.NewClient(quiltt.WithAPIKey(key))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "Using the Quiltt API at %s as profile %s (%s and %s are set).\n",
			quiltt.DefaultBaseURL, profile, EnvAPIKey, EnvProfileID)
		return &Env{Client: client.ForProfile(profile)}, nil
	}

	fake := quilttest.NewServer(fakeOpts...)
	client, err := quiltt.NewClient(quiltt.WithBaseURL(fake.URL()), quiltt.WithAuthURL(fake.AuthURL()), quiltt.WithAPIKey(fake.APIKey()))
	if err != nil {
		fake.Close()
		return nil, err
	}
	fmt.Fprintf(stderr, "%s: running against quilttest, the SDK's in-process fake of the Quiltt API (%s). Set both to use the real API.\n",
		unset(key, profile), fake.URL())
	return &Env{Client: client.ForProfile(fake.ProfileID()), Fake: fake}, nil
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
