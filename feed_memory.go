package quiltt

import (
	"container/list"
	"context"
	"errors"
	"sync"
)

// DefaultBalanceFeedSize is how many accounts a MemoryBalanceFeed holds a
// latest balance for when NewMemoryBalanceFeed is given no other size.
const DefaultBalanceFeedSize = 10000

// MemoryBalanceFeed is a BalanceFeed for one process: give the same
// *MemoryBalanceFeed to the WebhookHandler that receives Quiltt's
// deliveries (its Feed) and to the clients that wait for balances
// (WithBalanceFeed). It keeps the latest balance of at most size accounts,
// forgetting the account published least recently first, and never
// expires one (FreshBalance checks its age). Its methods never fail but
// for an invalid balance; it is safe for concurrent use. A fleet of
// replicas needs a shared feed instead (package redisstore).
type MemoryBalanceFeed struct {
	size int

	mu       sync.Mutex
	accounts map[string]*list.Element // of *memoryFeedEntry, in order
	order    list.List                // least recently published first
	subs     map[string]map[*memoryFeedSub]struct{}
}

type memoryFeedEntry struct {
	accountID string
	b         *Balance
}

// memoryFeedSub is one subscription: a buffer of one balance, which a
// newer one replaces.
type memoryFeedSub struct {
	c    chan *Balance
	once sync.Once
}

// NewMemoryBalanceFeed returns an empty MemoryBalanceFeed that holds the
// latest balance of at most size accounts; size <= 0 means
// DefaultBalanceFeedSize.
func NewMemoryBalanceFeed(size int) *MemoryBalanceFeed {
	if size <= 0 {
		size = DefaultBalanceFeedSize
	}
	return &MemoryBalanceFeed{size: size, accounts: make(map[string]*list.Element), subs: make(map[string]map[*memoryFeedSub]struct{})}
}

// errFeedBalance is Publish's error for a balance it cannot key.
var errFeedBalance = errors.New("quiltt: BalanceFeed.Publish: a balance with an ID and an AccountID is needed")

// Publish keeps b as its account's latest balance unless the feed holds
// one dated at or after b.At, and then sends it to the account's
// subscriptions. It returns an error, without keeping anything, for a nil
// balance or one without an ID or AccountID. ctx is not used: nothing
// waits.
func (f *MemoryBalanceFeed) Publish(_ context.Context, b *Balance) error {
	if b == nil || b.ID == "" || b.AccountID == "" {
		return errFeedBalance
	}
	f.init()
	f.mu.Lock()
	defer f.mu.Unlock()
	if el, ok := f.accounts[b.AccountID]; ok {
		e := el.Value.(*memoryFeedEntry)
		if !b.At.After(e.b.At) {
			return nil
		}
		e.b = cloneBalance(b)
		f.order.MoveToBack(el)
	} else {
		f.accounts[b.AccountID] = f.order.PushBack(&memoryFeedEntry{accountID: b.AccountID, b: cloneBalance(b)})
		for f.order.Len() > f.size {
			oldest := f.order.Front()
			delete(f.accounts, oldest.Value.(*memoryFeedEntry).accountID)
			f.order.Remove(oldest)
		}
	}
	for s := range f.subs[b.AccountID] {
		s.send(cloneBalance(b))
	}
	return nil
}

// Latest returns a copy of the latest balance the feed holds for the
// account, or nil. It never fails.
func (f *MemoryBalanceFeed) Latest(_ context.Context, accountID string) (*Balance, error) {
	f.init()
	f.mu.Lock()
	defer f.mu.Unlock()
	if el, ok := f.accounts[accountID]; ok {
		return cloneBalance(el.Value.(*memoryFeedEntry).b), nil
	}
	return nil, nil
}

// Subscribe watches the account (see BalanceFeed). It never fails.
func (f *MemoryBalanceFeed) Subscribe(_ context.Context, accountID string) (<-chan *Balance, func(), error) {
	f.init()
	s := &memoryFeedSub{c: make(chan *Balance, 1)}
	f.mu.Lock()
	if f.subs[accountID] == nil {
		f.subs[accountID] = make(map[*memoryFeedSub]struct{})
	}
	f.subs[accountID][s] = struct{}{}
	f.mu.Unlock()
	stop := func() {
		s.once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			delete(f.subs[accountID], s)
			if len(f.subs[accountID]) == 0 {
				delete(f.subs, accountID)
			}
			close(s.c)
		})
	}
	return s.c, stop, nil
}

// init makes the zero MemoryBalanceFeed usable, with the default size.
func (f *MemoryBalanceFeed) init() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.accounts == nil {
		f.size = DefaultBalanceFeedSize
		f.accounts = make(map[string]*list.Element)
		f.subs = make(map[string]map[*memoryFeedSub]struct{})
	}
}

// send puts b in the subscription's buffer, replacing a balance its
// receiver has not taken. The feed's lock is held: no other send runs.
func (s *memoryFeedSub) send(b *Balance) {
	select {
	case s.c <- b:
		return
	default:
	}
	select {
	case <-s.c:
	default:
	}
	select {
	case s.c <- b:
	default:
	}
}
