package redisstore_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/redisstore"
)

// The record a client logs of its pieces names the fleet's: the limiter's
// Redis key and the refresh lock's prefix. No Redis is needed: building the
// pieces sends nothing.
func TestPiecesNameThemselvesInTheClientsLog(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer rdb.Close()
	lim, err := redisstore.NewLimiter(rdb, "prod-api-key", 24, 1, redisstore.WithPrefix("shop"))
	require.NoError(t, err)
	lock, err := redisstore.NewRefreshLock(rdb, redisstore.WithPrefix("shop"))
	require.NoError(t, err)
	claims, err := redisstore.NewClaimStore(rdb)
	require.NoError(t, err)
	assert.Equal(t, "shop:rate:prod-api-key", lim.Name())
	assert.Equal(t, "shop", lock.Name())
	assert.Equal(t, redisstore.DefaultPrefix, claims.Name())

	var out bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	const key = "qltt_fleet_secret_0123456789"
	c, err := quiltt.NewClient(quiltt.WithAPIKey(key), quiltt.WithLimiter(lim), quiltt.WithRefreshLock(lock), quiltt.WithLogger(logger))
	require.NoError(t, err)
	defer c.CloseIdleConnections()
	assert.Equal(t, `level=INFO msg="quiltt: client pieces" limiter.kind=*redisstore.Limiter limiter.name=shop:rate:prod-api-key refresh_lock.kind=*redisstore.RefreshLock refresh_lock.name=shop`+"\n", out.String())
	assert.NotContains(t, out.String(), key)
}
