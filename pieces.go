package quiltt

import (
	"fmt"
	"log/slog"
	"reflect"
	"strconv"

	"github.com/quiltt-go/quiltt/internal/transport"
)

// This file writes the one record that says which fleet pieces a client or a
// webhook handler uses: with a shared store they decide how many requests
// go out and how often an event is processed, and a replica that quietly
// fell back to in-process pieces would break the fleet's guarantees with
// no other sign.

// named is what a fleet piece (a Limiter, RefreshLock or ClaimStore) may
// offer so that the record a client or handler logs of its pieces names it
// beside its type: the redisstore pieces name their Redis key or prefix.
type named interface {
	Name() string
}

const (
	msgClientPieces  = "quiltt: client pieces"
	msgHandlerPieces = "quiltt: webhook handler pieces"
)

// pieceAttr describes one piece as a group: its kind (its Go type, with the
// package) and its Name when it has one; "none" for a nil piece. A nil
// pointer is named by its type alone: its Name is not called.
func pieceAttr(key string, piece any) slog.Attr {
	if piece == nil {
		return slog.Group(key, slog.String("kind", "none"))
	}
	attrs := []any{slog.String("kind", fmt.Sprintf("%T", piece))}
	if v := reflect.ValueOf(piece); v.Kind() == reflect.Pointer && v.IsNil() {
		return slog.Group(key, append(attrs, slog.String("name", "nil"))...)
	}
	if n, ok := piece.(named); ok {
		attrs = append(attrs, slog.String("name", n.Name()))
	}
	return slog.Group(key, attrs...)
}

// logClientPieces writes NewClient's record of its limiter and refresh
// lock, and of its balance feed when it has one, at info level. The
// default limiter is described by its rate, the only thing that tells it
// apart.
func logClientPieces(logger *slog.Logger, limiter Limiter, lock RefreshLock, feed BalanceFeed) {
	lim := pieceAttr("limiter", limiter)
	if rl, ok := limiter.(transport.RateLimiter); ok {
		l := rl.Rate()
		lim = slog.Group("limiter", slog.String("kind", "*rate.Limiter"),
			slog.String("name", strconv.FormatFloat(float64(l.Limit()), 'g', -1, 64)+"/s burst "+strconv.Itoa(l.Burst())))
	}
	attrs := []any{lim, pieceAttr("refresh_lock", lock)}
	if feed != nil {
		attrs = append(attrs, pieceAttr("balance_feed", feed))
	}
	logger.Info(msgClientPieces, attrs...)
}

// logPieces writes the handler's record of its claim store, and of
// its balance feed when it has one, at info level, once: at its first delivery, when its fields are final.
func (h *WebhookHandler) logPieces() {
	h.piecesLogged.Do(func() {
		var claims any
		if h.Claims != nil {
			claims = h.Claims
		}
		attrs := []any{pieceAttr("claim_store", claims)}
		if h.Feed != nil {
			attrs = append(attrs, pieceAttr("balance_feed", h.Feed))
		}
		h.logger().Info(msgHandlerPieces, attrs...)
	})
}
