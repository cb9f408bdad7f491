package quiltt

import (
	"context"
	"errors"
	"sync"
)

// maxClassifierEntries bounds an AccountClassifier's cache; past it the
// cache starts again empty.
const maxClassifierEntries = 100_000

// AccountClassifier tells the class (asset or liability) of the account a
// webhook balance belongs to. A balance.created record carries no kind, so
// the classifier looks the account up once over GraphQL ((*Client).Account)
// and caches its class for the classifier's life; concurrent calls for the
// same account share one lookup (one that fails fails for them all, unless
// only its caller's context ended). Failed lookups are not cached. It is safe
// for concurrent use; build one with NewAccountClassifier.
type AccountClassifier struct {
	client *Client

	mu      sync.Mutex
	classes map[string]Class
	calls   map[string]*classifyCall
}

// classifyCall is one lookup in flight, which other callers wait for.
type classifyCall struct {
	done  chan struct{}
	class Class
	err   error
}

// NewAccountClassifier returns a classifier that looks accounts up with c.
func NewAccountClassifier(c *Client) *AccountClassifier {
	return &AccountClassifier{client: c, classes: make(map[string]Class), calls: make(map[string]*classifyCall)}
}

// Classify returns the class of the account with the given ID, as
// Account.Class tells it, looking the account up with the classifier's
// client the first time. The client must be able to read the account (a
// session token for its Profile, or ForProfile). It returns the errors of
// (*Client).Account (errors.Is(err, ErrNotFound) for an unknown or empty
// ID), or the context's error if ctx ends while another call's lookup of
// the same account is in flight.
func (k *AccountClassifier) Classify(ctx context.Context, accountID string) (Class, error) {
	return k.classify(ctx, "", accountID)
}

// ClassifyBalance returns the class of the account of the balance of a
// balance.created event, with the typed balance. When the classifier's
// client was built WithAPIKey and not already scoped with ForProfile, the
// lookup is made as the event's Profile; otherwise with the client as it
// is. It returns the errors of Event.Balance and of Classify.
func (k *AccountClassifier) ClassifyBalance(ctx context.Context, e Event) (*Balance, Class, error) {
	b, err := e.Balance()
	if err != nil {
		return nil, ClassUnknown, err
	}
	class, err := k.classify(ctx, e.Profile.ID, b.AccountID)
	if err != nil {
		return b, ClassUnknown, err
	}
	return b, class, nil
}

// classify returns the cached class of the account, or looks it up, as
// profileID when that is set and the client can read as any profile (it has
// an API key and no profile of its own). The client is only derived on a
// miss: a cache hit allocates nothing.
func (k *AccountClassifier) classify(ctx context.Context, profileID, accountID string) (Class, error) {
	if k == nil || k.client == nil {
		return ClassUnknown, errorf("AccountClassifier needs a client (NewAccountClassifier)")
	}
	if ctx == nil {
		return ClassUnknown, errorf("AccountClassifier: %w", ErrNilContext)
	}
	if err := k.client.built("AccountClassifier"); err != nil {
		return ClassUnknown, err
	}
	for {
		k.mu.Lock()
		if class, ok := k.classes[accountID]; ok {
			k.mu.Unlock()
			return class, nil
		}
		if call, ok := k.calls[accountID]; ok {
			k.mu.Unlock()
			select {
			case <-call.done:
				if call.err == nil {
					return call.class, nil
				}
				if errors.Is(call.err, context.Canceled) || errors.Is(call.err, context.DeadlineExceeded) {
					continue // the other caller's context ended, not ours: look it up ourselves
				}
				return ClassUnknown, call.err
			case <-ctx.Done():
				return ClassUnknown, ctx.Err()
			}
		}
		call := &classifyCall{done: make(chan struct{})}
		k.calls[accountID] = call
		k.mu.Unlock()

		c := k.client
		if profileID != "" && c.p.apiKey != nil && !c.profileSet {
			c = c.ForProfile(profileID)
		}
		account, err := c.Account(ctx, accountID)
		if err == nil {
			call.class = account.Class()
		}
		call.err = err

		k.mu.Lock()
		delete(k.calls, accountID)
		if err == nil {
			if len(k.classes) >= maxClassifierEntries {
				clear(k.classes)
			}
			k.classes[accountID] = call.class
		}
		k.mu.Unlock()
		close(call.done)
		if err != nil {
			return ClassUnknown, err
		}
		return call.class, nil
	}
}
