// Package redisstore makes the quiltt SDK fleet-safe on Redis. Replicas of
// a service that share one Quiltt API key and one Redis share, through it,
// what each would otherwise keep to itself:
//
//   - Limiter (quiltt.Limiter): one rate budget for the whole fleet, 25
//     requests a second for an API key, instead of 25 per replica;
//   - RefreshLock (quiltt.RefreshLock): one billable refresh per account
//     when calls on several replicas find its balance stale at once;
//   - ClaimStore (quiltt.ClaimStore): one successful callback per webhook
//     event, whichever replica each delivery lands on;
//   - BalanceFeed (quiltt.BalanceFeed): the balance a balance.created
//     delivery brings, published by whichever replica's webhook handler
//     receives it, wakes the FreshBalance and RefreshAndWait calls waiting
//     for it on every replica, without a GraphQL read.
//
// It runs on github.com/redis/go-redis/v9 and takes a redis.UniversalClient,
// so a single server, Sentinel (failover) or Cluster client all work. The
// quiltt package itself never imports a Redis client.
//
// # Running a fleet
//
// Give every replica the same four lines (the limiter's name is a label
// you choose, one per API key, never the key itself; its rate a little
// under Quiltt's 25/s, so that the fleet makes up for requests that reach
// Quiltt late: see the README's "Running a fleet"):
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"}) // any redis.UniversalClient
//	limiter, err := redisstore.NewLimiter(rdb, "prod-api-key", 24, 1)
//	lock, err := redisstore.NewRefreshLock(rdb)
//	claims, err := redisstore.NewClaimStore(rdb)
//	feed, err := redisstore.NewBalanceFeed(rdb) // latest balances, kept DefaultBalanceTTL
//
//	client, err := quiltt.NewClient(quiltt.WithAPIKey(apiKey),
//		quiltt.WithLimiter(limiter), quiltt.WithRefreshLock(lock), quiltt.WithBalanceFeed(feed))
//	hooks := &quiltt.WebhookHandler{Verifier: verifier, Handle: handle, Claims: claims, Feed: feed}
//
// Environments that share one Redis tell themselves apart with WithPrefix.
//
// # When Redis is down
//
// Nothing here pretends Redis answered. Every method returns an error
// (a *Error, wrapping go-redis's) when Redis cannot answer, and each piece
// then does this:
//
//   - Limiter: Wait fails, so the client's call fails without sending
//     anything: the fleet never goes over its budget, and calls resume
//     when Redis is back, also when it lost its data: each Limiter hands
//     Redis the latest reservation it was given, so the queue is restored
//     rather than reserved over (see Limiter). With WithFallback, Wait waits on a local
//     limiter instead (size it at the limiter's rate divided by the number
//     of replicas), and calls go on at that pace.
//   - ClaimStore: Claim fails, and the webhook handler answers 503, so
//     Quiltt delivers the event again later: no event is lost, and none is
//     run twice. A Done that meets Redis down tries again until Redis is
//     back or its context ends (the handler gives it 10 s), so that a
//     callback that succeeded is still marked done. A failed Release only
//     delays the redelivery until the lease runs out.
//   - RefreshLock: Acquire, Wait and the release func fail, and so does
//     FreshBalance (quiltt.ErrRefreshLock): it does not refresh, which is
//     billable, without the lock that lets the fleet share the refresh. A
//     release that fails leaves the lock to run out after its TTL, when
//     the waiters go on.
//   - BalanceFeed: Publish, Latest and Subscribe fail. The webhook handler
//     logs a failed Publish and goes on (the claim rules decide the
//     delivery); FreshBalance and RefreshAndWait log the failure and poll,
//     as without a feed. Balances published while a subscription
//     reconnects are missed by it: its caller's polls find them.
//
// How long "fails" takes is the go-redis client's choice: a refused
// connection fails at once (after the client's DialerRetries), a silent
// network after its DialTimeout and ReadTimeout; its MaxRetries retries a
// command first. Every script here is safe to retry.
//
// The claims are only as durable as Redis: a Redis that loses its data (no
// persistence and a restart, or a failover to a replica that lagged)
// forgets which events were done, and a redelivery of one of them runs the
// callback again. Run Redis with persistence or replication if that
// matters.
//
// # What the feed stores
//
// The BalanceFeed keeps, for each account whose balance.created delivery
// reached a handler, its latest balance, amounts included, in Redis under
// the prefix ("<prefix>:balance:{<account>}") for the feed's TTL
// (DefaultBalanceTTL, an hour, unless NewBalanceFeed is given another),
// and sends it over pub/sub to the replicas waiting for it. It never
// stores or sends a credential: the balance record of a verified delivery
// carries none. Whoever can read that Redis can read those balances:
// protect it as you protect the balances themselves.
//
// Redis 5 or later is needed (the limiter's script reads Redis's clock,
// then writes); the tests run against Debian's redis-server (7.0), as a
// single server and as a three-master Redis Cluster.
//
// # Keys
//
// All keys start with the prefix (default "quiltt"); none holds a
// credential:
//
//	quiltt:rate:<name>                    the limiter's state (expires when idle)
//	quiltt:claim:<event ID>               "lease:<token>" while a delivery holds the event, "done" for the retention
//	quiltt:refresh:{<account>}            the refresh lock: its holder's token (the braces are a Cluster hash tag)
//	quiltt:refresh-released:{<account>}   the pub/sub channel a release publishes on
//	quiltt:balance:{<account>}            the feed: the account's latest balance and its time (expires after the TTL)
//	quiltt:balance-created:<account>      the feed's pub/sub channel (not hash-tagged: Cluster forwards PUBLISH)
//
// Event IDs and lock keys longer than 200 bytes, or not plain printable
// ASCII, are replaced by their SHA-256. In limiter names, event IDs and
// lock keys, '%' and ':' are written %25 and %3A, so that no two
// prefixes and parts share a key (prefix "q" with event "evt:claim:1" and
// prefix "q:claim:evt" with event "1" would otherwise); the prefix is kept
// as given, so ACL key patterns such as ~myapp:* keep working.
package redisstore
