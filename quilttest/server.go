package quilttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

// Server is a running fake of the Quiltt API on a loopback address. Build
// one with NewServer or NewTestServer. All its methods are safe for
// concurrent use, also while requests are being served.
type Server struct {
	cfg    config
	srv    *httptest.Server
	url    string
	schema *ast.Schema

	ctx     context.Context // ends when Close starts
	cancel  context.CancelFunc
	wg      sync.WaitGroup // delayed refreshes and their deliveries
	webhook *http.Client

	mu            sync.RWMutex // guards everything below
	closed        bool
	st            *store
	tokens        map[string]*profileData // session token → profile
	sessionToken  string                  // issued at start for the default profile
	faults        map[Route][]Fault
	windows       map[string]*rlWindow
	requests      []Request
	pending       []*pendingRefresh
	completed     int
	deliveries    []Delivery
	webhookURL    string
	webhookSecret string
	changed       chan struct{} // closed and replaced at every completion
}

// NewServer starts a fake Quiltt API on a loopback address, seeded with the
// default profile (DefaultProfileID) and, unless WithoutSeed is given, the
// two accounts of Quiltt's balances doc page (CheckingAccountID and
// CreditCardAccountID). Call Close when done.
//
// Like httptest.NewServer, NewServer panics if it cannot listen on loopback;
// it also panics if an option is invalid (the message names the option,
// never a secret). NewTestServer reports these through testing.TB instead.
func NewServer(opts ...Option) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic(err)
	}
	return s
}

// NewTestServer is NewServer for a test: an invalid option fails the test
// at once (t.Fatal), and Close is registered with t.Cleanup.
func NewTestServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := newServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func newServer(opts []Option) (*Server, error) {
	cfg := defaultConfig()
	var errs []error
	for _, opt := range opts {
		if opt == nil {
			errs = append(errs, errors.New("quilttest: nil Option"))
			continue
		}
		if err := opt(&cfg); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if cfg.apiKey == "" {
		cfg.apiKey = "qltt_test_" + randomHex(16)
	}
	schema, err := loadSchema()
	if err != nil {
		return nil, fmt.Errorf("quilttest: the embedded schema does not load: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		cfg:           cfg,
		schema:        schema,
		ctx:           ctx,
		cancel:        cancel,
		webhook:       &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
		st:            newStore(),
		tokens:        map[string]*profileData{},
		faults:        map[Route][]Fault{},
		windows:       map[string]*rlWindow{},
		webhookURL:    cfg.webhookURL,
		webhookSecret: cfg.webhookSecret,
		changed:       make(chan struct{}),
	}
	now := cfg.now()
	if err := s.st.addProfile(seedProfile()); err != nil {
		cancel()
		return nil, err
	}
	if cfg.seed {
		for _, a := range seedAccounts() {
			if err := s.st.addAccount(DefaultProfileID, a, now); err != nil {
				cancel()
				return nil, err
			}
		}
	}
	s.sessionToken = newSessionToken()
	s.tokens[s.sessionToken] = s.st.profile(DefaultProfileID)
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.url = s.srv.URL + cfg.prefix
	return s, nil
}

// Close stops the server: pending refreshes are dropped, delayed refreshes
// and webhook deliveries in flight are cancelled and waited for, then the
// listener is closed once the requests being served are answered. No
// goroutine of the server outlives Close. Calling it again does nothing.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.pending = nil
	s.changedLocked() // wake WaitRefreshes
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.srv.Close()
	s.webhook.CloseIdleConnections()
}

// URL returns the base URL to give quiltt.WithBaseURL: loopback, plain
// http, with the WithPathPrefix prefix if any. It cannot fail.
func (s *Server) URL() string { return s.url }

// Client returns an *http.Client for raw requests to the server. It cannot
// fail.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// APIKey returns the API key secret the server accepts (WithAPIKey, or a
// random one). It cannot fail.
func (s *Server) APIKey() string { return s.cfg.apiKey }

// ProfileID returns DefaultProfileID, the profile the seeded accounts
// belong to and SessionToken authenticates. It cannot fail.
func (s *Server) ProfileID() string { return DefaultProfileID }

// SessionToken returns a session token for the default profile, issued when
// the server started; it stays valid until RevokeSessionToken. It cannot
// fail.
func (s *Server) SessionToken() string { return s.sessionToken }

// IssueSessionToken returns a new session token for the profile with the
// given ID or UUID. It fails if there is no such profile.
func (s *Server) IssueSessionToken(profileID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.profile(profileID)
	if p == nil {
		return "", fmt.Errorf("quilttest: IssueSessionToken: no profile %q", profileID)
	}
	tok := newSessionToken()
	s.tokens[tok] = p
	return tok, nil
}

// RevokeSessionToken makes token invalid, as an expired token is: GraphQL
// requests that send it are answered 401. Revoking an unknown token does
// nothing.
func (s *Server) RevokeSessionToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// changedLocked wakes every waiter; s.mu must be held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// newSessionToken returns a random token shaped like Quiltt's JWTs (three
// base64url-ish parts); the fake does not decode it.
func newSessionToken() string {
	return "eyJhbGciOiJIUzI1NiJ9." + randomHex(16) + "." + randomHex(16)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
