package quiltt_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/davecgh/go-spew/spew"
	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientNeverPrintsItsCredentials(t *testing.T) {
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithSessionToken(testSessionToken))
	require.NoError(t, err)
	p := c.ForProfile(testProfile)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("client", "c", p, "base", c)
	for _, s := range []string{
		fmt.Sprintf("%v %+v %#v %s %q %x", p, p, p, p, p, p),
		fmt.Sprintf("%v %+v %#v", *p, *p, *c),
		logs.String(),
	} {
		assert.NotContains(t, s, testAPIKey)
		assert.NotContains(t, s, testSessionToken)
	}
	assert.Contains(t, p.String(), testProfile, "the profile ID is not a secret")
	assert.Equal(t, testProfile, p.ProfileID())
	assert.Empty(t, c.ProfileID())
}

// One client shared by 64 goroutines, under -race.
func TestClientIsSafeForConcurrentUse(t *testing.T) {
	c, mux, _ := setup(t)
	gql := handleGraphQL(t, mux, replyFixture(t, "accounts_full.json"))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := c
			if i%2 == 1 {
				cl = c.ForProfile(fmt.Sprintf("p_%d", i))
			}
			accounts, err := cl.Accounts(context.Background(), nil)
			if err == nil && len(accounts) != 2 {
				err = fmt.Errorf("got %d accounts", len(accounts))
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.EqualValues(t, 64, gql.attempts.Load())
}

// captureT is a testify TestingT that keeps what a failed assertion says.
type captureT struct{ msgs []string }

func (c *captureT) Errorf(format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

// A Client held by value in a user's struct, in an exported or an
// unexported field, shows no credential to fmt (which reads an unexported
// field by reflection, without calling its methods), to go-spew, or to
// testify's diff of two such structs.
func TestClientByValueNeverShowsItsCredentials(t *testing.T) {
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithSessionToken(testSessionToken))
	require.NoError(t, err)
	other, err := quiltt.NewClient(quiltt.WithAPIKey("qltt_OTHERKEY_77"), quiltt.WithSessionToken("eyJOTHER.x.y"))
	require.NoError(t, err)
	type service struct {
		Client quiltt.Client
		client quiltt.Client
		Ptr    *quiltt.Client
	}
	p := c.ForProfile(testProfile)
	mine := service{Client: *p, client: *p, Ptr: p}
	theirs := service{Client: *other.ForProfile("p_other"), client: *other, Ptr: other}
	testifySpew := spew.ConfigState{Indent: " ", DisablePointerAddresses: true, DisableCapacities: true, SortKeys: true, DisableMethods: true, MaxDepth: 10}

	capture := &captureT{}
	assert.Equal(capture, mine, theirs)
	require.NotEmpty(t, capture.msgs, "the diff was written")
	texts := map[string]string{
		"%v":             fmt.Sprintf("%v", mine),
		"%+v":            fmt.Sprintf("%+v", mine),
		"%#v":            fmt.Sprintf("%#v", mine),
		"%+v of pointer": fmt.Sprintf("%+v", &mine),
		"spew":           spew.Sdump(mine),
		"testify's spew": testifySpew.Sdump(mine),
		"testify's diff": strings.Join(capture.msgs, "\n"),
	}
	basic := base64.StdEncoding.EncodeToString([]byte(testProfile + ":" + testAPIKey))
	for name, text := range texts {
		for _, secret := range []string{testAPIKey, testSessionToken, basic} {
			assert.NotContains(t, text, secret, name)
		}
	}
	assert.Contains(t, texts["spew"], testProfile, "spew walked the fields")
	assert.Contains(t, texts["%+v"], "client:", "fmt printed the unexported field by reflection")
	assert.Equal(t, mine, service{Client: *p, client: *p, Ptr: p}, "copies of a client compare equal")
}

// The zero Client prints, and its calls fail without a panic and without a
// request.
func TestZeroClient(t *testing.T) {
	var z quiltt.Client
	assert.NotPanics(t, func() {
		_ = fmt.Sprintf("%v %+v %#v %s", z, z, &z, z.String())
		_ = spew.Sdump(z)
		slog.New(slog.NewTextHandler(io.Discard, nil)).Info("zero", "c", z)
	})
	_, err := z.Accounts(context.Background(), nil)
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)
	assert.ErrorIs(t, z.RefreshBalance(context.Background(), "acct_1"), quiltt.ErrMissingCredentials)
	_, err = z.ForProfile(testProfile).Account(context.Background(), "acct_1")
	assert.ErrorIs(t, err, quiltt.ErrMissingCredentials)

	// Every other call of the zero Client, each checked apart so that a
	// panic names its call.
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Account":        func() error { _, err := z.Account(ctx, "acct_1"); return err },
		"RefreshAndWait": func() error { _, err := z.RefreshAndWait(ctx, "acct_1", nil); return err },
		"RefreshBalances": func() error {
			res, err := z.RefreshBalances(ctx, []string{"acct_1"}, nil)
			if err == nil && len(res) == 1 {
				err = res[0].Err
			}
			return err
		},
		"FreshBalance": func() error { _, err := z.FreshBalance(ctx, "acct_1", time.Minute); return err },
		"IssueSessionToken": func() error {
			_, err := z.IssueSessionToken(ctx, &quiltt.SessionParams{UserID: testProfile})
			return err
		},
		"RevokeSessionToken":     func() error { return z.RevokeSessionToken(ctx, testSessionToken) },
		"IntrospectSessionToken": func() error { _, err := z.IntrospectSessionToken(ctx, testSessionToken); return err },
		"IntrospectAPIKey":       func() error { _, err := z.IntrospectAPIKey(ctx); return err },
		"AccountClassifier":      func() error { _, err := quiltt.NewAccountClassifier(&z).Classify(ctx, "acct_1"); return err },
	} {
		var err error
		require.NotPanics(t, func() { err = call() }, name)
		assert.ErrorIs(t, err, quiltt.ErrMissingCredentials, name)
	}
	assert.Equal(t, quiltt.RateLimit{}, z.RateLimit())
	z.CloseIdleConnections()
}
