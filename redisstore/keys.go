package redisstore

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// This file is the one place that knows the Redis side: every key, channel,
// value and script. The types in limiter.go, claims.go and refresh_lock.go
// only call these.
//
// Keys, with the default prefix "quiltt" (<…> is a placeholder, braces are
// literal; in <name>, <event ID> and <key>, '%' and ':' are escaped as %25
// and %3A: see key below):
//
//	quiltt:rate:<name>                    limiter: the theoretical arrival time (µs, Redis clock); expires when idle
//	quiltt:claim:<event ID>               claim store: "lease:<token>" while leased, "done" while retained
//	quiltt:refresh:{<key>}                refresh lock: "<token>" while held
//	quiltt:refresh-released:{<key>}       refresh lock: the pub/sub channel a release publishes its token on
//	quiltt:balance:{<account>}            balance feed: hash {at: µs, b: the balance as JSON}, with the feed's TTL
//	quiltt:balance-created:<account>      balance feed: the pub/sub channel a publish sends the new latest on
//
// Every script touches one key (KEYS[1] only; checked against a Redis
// Cluster by the tests), so the keys need no hash tag to work on Redis
// Cluster: each lands on the slot of its own name. The refresh lock's key
// and channel do carry one, the braces around the key, so that Redis
// Cluster and go-redis's Ring route the release's PUBLISH (inside the
// script, on the key's node) and the waiters' SUBSCRIBE to the same place;
// that is why names and key parts never hold braces themselves. The
// balance feed's channel deliberately carries none: its PUBLISH runs
// inside the script on the key's node, and Redis Cluster forwards it to
// the node of any subscriber (a Ring would not: NewBalanceFeed refuses
// one). Names and prefixes
// the user gives are checked by checkName; event IDs and lock keys, which
// come from Quiltt, by keyPart. No key holds a credential: the limiter's
// name is a label the user chooses (documented on NewLimiter), event IDs and
// account IDs are not secrets.

const (
	// DefaultPrefix starts every key and channel unless WithPrefix says
	// otherwise.
	DefaultPrefix = "quiltt"

	// maxNameLen bounds a prefix or limiter name; maxKeyPartLen an event
	// ID or lock key kept verbatim (longer ones are hashed).
	maxNameLen    = 100
	maxKeyPartLen = 200

	// hashedMark starts a key part that is a hash of the caller's string.
	hashedMark = "sha256:"
)

// Every key is "<prefix>:<kind>:<part>": the prefix as the user gave it
// (so that a Redis ACL pattern such as ~myapp:* keeps working), a kind
// below, and one part (a limiter name, an event ID, a lock key) that holds
// no ':' other than the one of a hashed part ("sha256:<64 hex digits>"):
// escapePart writes '%' as "%25" and ':' as "%3A". So the encoding is
// injective: the part is what follows the key's last ':' (or its last two,
// for a hashed part, whose second-to-last segment is "sha256", never a
// kind), the kind the segment before it, the prefix the rest. Without the
// escape, prefix "q" with event "evt:claim:1" and prefix "q:claim:evt" with
// event "1" would share a key, and one service's done mark would silence the
// other's callback.
const (
	kindRate            = "rate"
	kindClaim           = "claim"
	kindRefresh         = "refresh"
	kindRefreshReleased = "refresh-released"
	kindBalance         = "balance"
	kindBalanceCreated  = "balance-created"
)

func key(prefix, kind, part string) string { return prefix + ":" + kind + ":" + part }

func rateKey(prefix, name string) string     { return key(prefix, kindRate, escapePart(name)) }
func claimKey(prefix, eventID string) string { return key(prefix, kindClaim, keyPart(eventID)) }
func refreshKey(prefix, k string) string     { return key(prefix, kindRefresh, "{"+keyPart(k)+"}") }
func refreshChannel(prefix, k string) string {
	return key(prefix, kindRefreshReleased, "{"+keyPart(k)+"}")
}
func balanceKey(prefix, accountID string) string {
	return key(prefix, kindBalance, "{"+keyPart(accountID)+"}")
}
func balanceChannel(prefix, accountID string) string {
	return key(prefix, kindBalanceCreated, keyPart(accountID))
}

// balanceField is the field of a balance key that holds the balance as
// JSON; balanceAtField its time in µs since the Unix epoch.
const (
	balanceField   = "b"
	balanceAtField = "at"
)

// partEscaper writes a key part without ':', reversibly.
var partEscaper = strings.NewReplacer("%", "%25", ":", "%3A")

// escapePart is a verbatim key part with its '%' and ':' escaped.
func escapePart(s string) string { return partEscaper.Replace(s) }

// checkName accepts a prefix or limiter name: 1 to 100 printable ASCII
// characters, no space, no braces (they would make a Redis Cluster hash tag
// of part of the key).
func checkName(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty %s", what)
	case len(s) > maxNameLen:
		return fmt.Errorf("%s is %d bytes long; at most %d", what, len(s), maxNameLen)
	case !plain(s):
		return fmt.Errorf("%s %q: only printable ASCII without spaces or braces", what, s)
	}
	return nil
}

// plain reports whether s is printable ASCII without spaces or braces.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' || c == '{' || c == '}' {
			return false
		}
	}
	return true
}

// keyPart is an event ID or lock key as it goes into a key: verbatim (its
// '%' and ':' escaped) when it is 1 to 200 bytes of printable ASCII without
// spaces or braces, else "sha256:" and its hash in hex, so that no input
// makes a key unbounded or unreadable, and none collides with another (a
// verbatim part holds no ':', a hashed one does).
func keyPart(s string) string {
	if s != "" && len(s) <= maxKeyPartLen && plain(s) && !strings.HasPrefix(s, hashedMark) {
		return escapePart(s)
	}
	sum := sha256.Sum256([]byte(s))
	return hashedMark + hex.EncodeToString(sum[:])
}

// errEmptyKey is returned for an empty event ID or lock key: it would name
// one key shared by every such call.
var errEmptyKey = errors.New("redisstore: empty key")

// newToken is a random lease token: 128 bits, so that no two holders ever
// share one.
func newToken() string { return rand.Text() }

// gcraScript reserves the next slot of a GCRA limiter (the generic cell
// rate algorithm; the state is one number, the theoretical arrival time TAT,
// kept in microseconds of Redis's own clock, so that replicas' clocks do
// not matter).
//
//	KEYS[1] the limiter's key
//	ARGV[1] the emission interval in µs (1/rate, rounded up)
//	ARGV[2] the burst (≥ 1)
//	ARGV[3] the longest wait the caller accepts, in µs; -1 for any
//	ARGV[4] the latest TAT this script handed the caller, in µs; 0 for none
//
// It returns {reserved (1 or 0), wait in µs, TAT in µs}. The TAT is the
// later of the stored one and ARGV[4]: a Redis that lost its data (a
// restart without persistence, a failover to a replica that lagged) gets
// back, from the first limiter that calls, the queue of reservations it
// had handed out, instead of reserving slots over them. A request may go
// at max(now, TAT − (burst−1)·interval); reserving it moves TAT to
// max(now, TAT) + interval, which is returned. When the wait exceeds
// ARGV[3] nothing is reserved, and the TAT returned is the one the
// reservation would have started from (written back when ARGV[4] raised
// it). The key expires once TAT has passed: an idle limiter leaves no
// state. All arithmetic is on integers below 2^53, exact in Lua's doubles;
// TAT is written with %.0f, since Lua's default number format keeps only
// 14 digits.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxwait = tonumber(ARGV[3])
local given = tonumber(ARGV[4]) or 0
local stored = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
local tat = stored
if tat < given then tat = given end
if tat < now then tat = now end
local wait = tat - (burst - 1) * interval - now
if wait < 0 then wait = 0 end
if maxwait >= 0 and wait > maxwait then
  if tat > stored and tat > now then
    redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
  end
  return {0, wait, tat}
end
local newtat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', newtat), 'PX', math.ceil((newtat - now) / 1000))
return {1, wait, newtat}
`)

// claimScript takes an event's lease when the event is neither leased nor
// done.
//
//	KEYS[1] the claim key
//	ARGV[1] the new token
//	ARGV[2] the lease in ms
//
// It returns 1 (acquired), 2 (busy) or 3 (done), the values of
// quiltt.ClaimState. A lease that already carries ARGV[1] is the caller's
// own (a retry of this very call whose answer was lost) and counts as
// acquired.
var claimScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'lease:' .. ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == 'done' then return 3 end
if v == 'lease:' .. ARGV[1] then return 1 end
return 2
`)

// claimDoneScript marks a claimed event done for a retention period, if the
// lease is still the caller's, or if it ran out and nobody claimed the event
// since (the callback succeeded: forgetting it would run it again). Another
// delivery's live lease, or a done mark, is left alone.
//
//	KEYS[1] the claim key
//	ARGV[1] the caller's token
//	ARGV[2] the retention in ms
//
// It returns 1 when it marked the event, 0 when it left the key alone.
var claimDoneScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == 'lease:' .. ARGV[1] or v == false then
  redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
  return 1
end
return 0
`)

// claimReleaseScript deletes a claim if the lease is still the caller's.
//
//	KEYS[1] the claim key
//	ARGV[1] the caller's token
//
// It returns 1 when it released the lease, 0 when the lease was not held.
var claimReleaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'lease:' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// lockAcquireScript takes a refresh lock when it is free.
//
//	KEYS[1] the lock key
//	ARGV[1] the new token
//	ARGV[2] the ttl in ms
//
// It returns 1 when the caller holds the lock (including a retry of this
// very call whose answer was lost), 0 when another holder has it.
var lockAcquireScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if v == ARGV[1] then return 1 end
return 0
`)

// lockReleaseScript deletes a refresh lock if the caller holds it, and
// publishes the token on the lock's channel so that waiters return at once.
//
//	KEYS[1] the lock key
//	ARGV[1] the caller's token
//	ARGV[2] the lock's channel
//
// It returns 1 when it released the lock, 0 when the lock was not held.
var lockReleaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[1])
  return 1
end
return 0
`)

// lockStateScript reads a refresh lock's holder and remaining time in one
// step: {token or false, PTTL in ms (-2 when free)}.
//
//	KEYS[1] the lock key
var lockStateScript = redis.NewScript(`
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}
`)

// feedPublishScript keeps a balance as its account's latest when it is
// dated later than the one kept, and then publishes it.
//
//	KEYS[1] the balance key
//	ARGV[1] the balance's time, µs since the Unix epoch
//	ARGV[2] the balance as JSON
//	ARGV[3] the TTL in ms
//	ARGV[4] the account's channel
//
// It returns 1 when it kept (and published) the balance, 0 when the key
// holds one dated at or after it (an older delivery, or the same again).
var feedPublishScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], '` + balanceAtField + `')
if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], '` + balanceAtField + `', ARGV[1], '` + balanceField + `', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[2])
return 1
`)
