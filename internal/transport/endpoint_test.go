package transport

import (
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEndpointOwnsAndRelative(t *testing.T) {
	u, err := url.Parse("https://API.quiltt.io:8443/base") // as the root package's parseBaseURL leaves it
	require.NoError(t, err)
	e := NewEndpoint(u)
	assert.Equal(t, "https://API.quiltt.io:8443/base", e.String())
	for raw, want := range map[string]string{
		"https://api.quiltt.io:8443/base/v1/graphql": "/v1/graphql",
		"https://API.QUILTT.IO:8443/base/v1/a%2Fb/x": "/v1/a%2Fb/x",
	} {
		rel, ok := e.Relative(mustURL(t, raw))
		assert.True(t, ok, raw)
		assert.Equal(t, want, rel, raw)
	}
	for _, raw := range []string{
		"http://api.quiltt.io:8443/base/v1/graphql",   // another scheme
		"https://api.quiltt.io/base/v1/graphql",       // another port
		"https://auth.quiltt.io:8443/base/v1/graphql", // another host
		"https://api.quiltt.io:8443/other/v1/graphql", // outside the base path
		"https://api.quiltt.io:8443/basement",         // a prefix, not a path below
		"https://api.quiltt.io:8443/base/v1?x=1",      // a query
	} {
		_, ok := e.Relative(mustURL(t, raw))
		assert.False(t, ok, raw)
	}
	assert.False(t, e.Owns(nil))
}

func mustURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}
