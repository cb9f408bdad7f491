package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestKeyShapes pins the documented key and channel shapes.
func TestKeyShapes(t *testing.T) {
	assert.Equal(t, "quiltt:rate:prod-api-key", rateKey(DefaultPrefix, "prod-api-key"))
	assert.Equal(t, "quiltt:claim:evt_12wkam1rFDQg0m8OLObJM1", claimKey(DefaultPrefix, "evt_12wkam1rFDQg0m8OLObJM1"))
	assert.Equal(t, "svc:refresh:{acct_1}", refreshKey("svc", "acct_1"))
	assert.Equal(t, "svc:refresh-released:{acct_1}", refreshChannel("svc", "acct_1"))
}

// TestKeyPart: plain short IDs stay readable; anything long, odd, or that
// could pass for a hash, is hashed, so keys stay bounded, brace-free and
// distinct.
func TestKeyPart(t *testing.T) {
	assert.Equal(t, "evt_1", keyPart("evt_1"))
	assert.Equal(t, strings.Repeat("a", 200), keyPart(strings.Repeat("a", 200)))
	seen := map[string]string{}
	for _, in := range []string{
		strings.Repeat("a", 201), "evt 1", "evt{1}", "évt", "evt\n1", "", "sha256:abc",
		"sha256:" + strings.Repeat("0", 64),
	} {
		out := keyPart(in)
		assert.True(t, strings.HasPrefix(out, hashedMark), "%q is hashed", in)
		assert.Len(t, out, len(hashedMark)+64)
		assert.True(t, plain(out))
		if prev, dup := seen[out]; dup {
			t.Errorf("%q and %q share the key part %s", prev, in, out)
		}
		seen[out] = in
	}
}

// TestCheckName: names and prefixes must be short plain ASCII.
func TestCheckName(t *testing.T) {
	assert.NoError(t, checkName("name", "prod-api-key:eu_1"))
	assert.NoError(t, checkName("name", strings.Repeat("n", 100)))
	for _, bad := range []string{"", strings.Repeat("n", 101), "a b", "a{b", "a}b", "a\tb", "é", "a\x7f"} {
		assert.Error(t, checkName("name", bad), "%q", bad)
	}
}

// TestScriptsAreIdempotentForTheirOwnToken: a claim or lock call that
// go-redis retries after its answer was lost finds its own token and
// reports it acquired, instead of busy until the lease runs out; Done and
// release, retried, are no-ops.
func TestScriptsAreIdempotentForTheirOwnToken(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Network: srv.Network(), Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	keys := []string{"k:claim"}
	for range 2 {
		got, err := claimScript.Run(ctx, rdb, keys, "tok", 60000).Int64()
		require.NoError(t, err)
		assert.Equal(t, int64(1), got)
	}
	got, err := claimScript.Run(ctx, rdb, keys, "other", 60000).Int64()
	require.NoError(t, err)
	assert.Equal(t, int64(2), got, "another token is busy")
	for i, want := range []int64{1, 0} {
		got, err := claimDoneScript.Run(ctx, rdb, keys, "tok", 60000).Int64()
		require.NoError(t, err)
		assert.Equal(t, want, got, "Done call %d", i)
	}
	got, err = claimScript.Run(ctx, rdb, keys, "tok", 60000).Int64()
	require.NoError(t, err)
	assert.Equal(t, int64(3), got, "done, even for the old token")

	lock := []string{"k:lock"}
	for range 2 {
		got, err := lockAcquireScript.Run(ctx, rdb, lock, "tok", 60000).Int64()
		require.NoError(t, err)
		assert.Equal(t, int64(1), got)
	}
	for i, want := range []int64{1, 0} {
		got, err := lockReleaseScript.Run(ctx, rdb, lock, "tok", "k:chan").Int64()
		require.NoError(t, err)
		assert.Equal(t, want, got, "release call %d", i)
	}
}

// TestGCRAScriptReservations: with burst 3 the first three reservations
// wait nothing, then each waits one interval more; a reservation past the
// caller's limit is refused and changes nothing.
func TestGCRAScriptReservations(t *testing.T) {
	srv := redistest.Start(t)
	rdb := redis.NewClient(&redis.Options{Network: srv.Network(), Addr: srv.Addr()})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const interval = int64(10 * time.Second / time.Microsecond) // no reservation below can see it pass
	key := []string{"k:rate"}
	var waits []int64
	for range 5 {
		r, err := gcraScript.Run(ctx, rdb, key, interval, 3, -1, 0).Int64Slice()
		require.NoError(t, err)
		require.Equal(t, int64(1), r[0])
		waits = append(waits, r[1])
	}
	assert.Equal(t, []int64{0, 0, 0}, waits[:3])
	for i, w := range waits[3:] {
		want := int64(i+1) * interval
		assert.InDelta(t, want, w, float64(time.Second/time.Microsecond), "reservation %d waits %d intervals (less the time elapsed)", i+4, i+1)
		assert.LessOrEqual(t, w, want)
	}
	before := rdb.Get(ctx, key[0]).Val()
	r, err := gcraScript.Run(ctx, rdb, key, interval, 3, interval, 0).Int64Slice()
	require.NoError(t, err)
	assert.Equal(t, int64(0), r[0], "refused: the wait exceeds the limit")
	assert.Greater(t, r[1], interval)
	assert.Equal(t, before, rdb.Get(ctx, key[0]).Val())
}

// TestKeysAreInjective: no two (prefix, part) pairs share a key, of one
// kind or across kinds, when prefixes and parts hold ':' and '%' (the
// collision of prefix "q" with event "evt:claim:1" and prefix
// "q:claim:evt" with event "1"), hashed parts included.
func TestKeysAreInjective(t *testing.T) {
	assert.NotEqual(t, claimKey("q", "evt:claim:1"), claimKey("q:claim:evt", "1"))
	assert.NotEqual(t, rateKey("q", "x:claim:1"), claimKey("q:rate:x", "1"))
	assert.Equal(t, "q:claim:evt%3Aclaim%3A1", claimKey("q", "evt:claim:1"))
	assert.Equal(t, "q:rate:prod%3Aeu%251", rateKey("q", "prod:eu%1"))

	atoms := []string{"q", "claim", "rate", "refresh", "refresh-released", "balance", "balance-created", "sha256", "1", "%3A", "%25", "{1}", strings.Repeat("a", 64)}
	var parts []string
	for _, a := range atoms {
		for _, b := range atoms {
			for _, sep := range []string{":", "%", ""} {
				parts = append(parts, a+sep+b)
			}
		}
	}
	parts = append(parts, atoms...)
	seen := map[string][2]string{}
	check := func(kind, prefix, part, k string) {
		if prev, dup := seen[k]; dup && prev != [2]string{kind + " " + prefix, part} {
			t.Fatalf("%s (%s %q, %q) and (%s, %q) share the key %q", kind, kind, prefix, part, prev[0], prev[1], k)
		}
		seen[k] = [2]string{kind + " " + prefix, part}
	}
	n := 0
	for _, prefix := range parts {
		if checkName("prefix", prefix) != nil {
			continue
		}
		for _, part := range append(parts, "évt", strings.Repeat("z", 201)) {
			check("claim", prefix, part, claimKey(prefix, part))
			check("refresh", prefix, part, refreshKey(prefix, part))
			check("refresh-released", prefix, part, refreshChannel(prefix, part))
			check("balance", prefix, part, balanceKey(prefix, part))
			check("balance-created", prefix, part, balanceChannel(prefix, part))
			if checkName("name", part) == nil {
				check("rate", prefix, part, rateKey(prefix, part))
			}
			n++
		}
	}
	assert.Greater(t, n, 10000, "the pairs tried")
}
