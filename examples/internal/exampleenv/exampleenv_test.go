package exampleenv

import (
	"bytes"
	"testing"

	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// envOf returns a getenv that reads vars.
func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestOpenFake(t *testing.T) {
	for name, tc := range map[string]struct {
		vars map[string]string
		say  string
	}{
		"nothing set": {nil, "QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID are unset"},
		"no profile":  {map[string]string{EnvAPIKey: "qltt_real"}, "QUILTT_PROFILE_ID is unset"},
		"no API key":  {map[string]string{EnvProfileID: "p_real"}, "QUILTT_API_KEY_SECRET is unset"},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			env, err := Open(envOf(tc.vars), &stderr)
			require.NoError(t, err)
			defer env.Close()

			require.NotNil(t, env.Fake)
			assert.Equal(t, env.Fake.ProfileID(), env.Client.ProfileID())
			assert.Contains(t, stderr.String(), tc.say+": running against quilttest")
			assert.Contains(t, stderr.String(), env.Fake.URL())
			assert.NotContains(t, stderr.String(), "qltt_real")

			accounts, err := env.Client.Accounts(t.Context(), nil)
			require.NoError(t, err)
			assert.Len(t, accounts, 2)
		})
	}
}

func TestOpenReal(t *testing.T) {
	const key = "qltt_secret_never_printed"
	var stderr bytes.Buffer
	env, err := Open(envOf(map[string]string{EnvAPIKey: key, EnvProfileID: "p_12uGLpPexyTkZCcJJntSjb"}), &stderr)
	require.NoError(t, err)
	defer env.Close()

	assert.Nil(t, env.Fake)
	assert.Equal(t, "p_12uGLpPexyTkZCcJJntSjb", env.Client.ProfileID())
	assert.Equal(t, "Using the Quiltt API at https://api.quiltt.io (auth https://auth.quiltt.io) as profile p_12uGLpPexyTkZCcJJntSjb (QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID are set).\n", stderr.String())
	assert.NotContains(t, env.Client.String(), key)
}

// A standalone fake (here an in-process one standing in for cmd/quilttest)
// is reached through QUILTT_BASE_URL and QUILTT_AUTH_URL: both hosts.
func TestOpenBaseAndAuthURL(t *testing.T) {
	fake := quilttest.NewTestServer(t)
	var stderr bytes.Buffer
	env, err := Open(envOf(map[string]string{
		EnvAPIKey: fake.APIKey(), EnvProfileID: fake.ProfileID(),
		EnvBaseURL: fake.URL(), EnvAuthURL: fake.AuthURL(),
	}), &stderr)
	require.NoError(t, err)
	defer env.Close()

	assert.Nil(t, env.Fake, "no in-process fake of its own")
	assert.Equal(t, "Using the Quiltt API at "+fake.URL()+" (auth "+fake.AuthURL()+") as profile "+fake.ProfileID()+
		" (QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID are set).\n", stderr.String())
	assert.NotContains(t, stderr.String(), fake.APIKey())

	accounts, err := env.Client.Accounts(t.Context(), nil)
	require.NoError(t, err)
	assert.Len(t, accounts, 2)
	info, err := env.Client.IntrospectAPIKey(t.Context()) // the auth host
	require.NoError(t, err)
	assert.NotNil(t, info)
	assert.NotEmpty(t, fake.Requests())
}

// A URL set without the credentials is a mistake to say, not a silent run
// against the in-process fake.
func TestOpenURLWithoutCredentials(t *testing.T) {
	for name, vars := range map[string]map[string]string{
		"base URL": {EnvBaseURL: "http://127.0.0.1:8080", EnvAPIKey: "qltt_secret_never_printed"},
		"auth URL": {EnvAuthURL: "http://127.0.0.1:8081", EnvProfileID: "p_1"},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			env, err := Open(envOf(vars), &stderr)
			require.Error(t, err)
			assert.Nil(t, env)
			assert.Contains(t, err.Error(), "is unset")
			assert.NotContains(t, err.Error(), "qltt_secret_never_printed")
			assert.Empty(t, stderr.String())
		})
	}
}

func TestOpenRealBadKey(t *testing.T) {
	const key = "qltt secret with spaces"
	var stderr bytes.Buffer
	_, err := Open(envOf(map[string]string{EnvAPIKey: key, EnvProfileID: "p_1"}), &stderr)
	require.Error(t, err)
	assert.NotContains(t, err.Error(), key)
	assert.Empty(t, stderr.String())
}

func TestAmount(t *testing.T) {
	for in, want := range map[string]string{
		"3141.59":   "3141.59",
		"-2134.34":  "-2134.34",
		"-15000.00": "-15000.00",
		"0":         "0.00",
		"1.5":       "1.50",
		"1.50000":   "1.50",
		"0.125":     "0.125",
		"-0.0001":   "-0.0001",
	} {
		d := decimal.RequireFromString(in)
		assert.Equal(t, want, Amount(&d), in)
	}
	assert.Equal(t, NoAmount, Amount(nil))
}

func TestWriteTable(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, WriteTable(&out, [][]string{
		{"NAME", "AMOUNT", "NOTE"},
		{"a", "1.00", "x"},
		{"longer name", "—", "y"},
	}, 1))
	assert.Equal(t, ""+
		"NAME         AMOUNT  NOTE\n"+
		"a              1.00  x\n"+
		"longer name       —  y\n", out.String())
}
