package quilttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Server is a running fake of the Quiltt API on a loopback address: the
// API (GraphQL and the REST refresh) at URL, and the auth API (session
// tokens, introspection) on a second listener at AuthURL, as Quiltt serves
// them from two hosts. Build one with NewServer or NewTestServer. All its
// methods are safe for concurrent use, also while requests are being
// served.
type Server struct {
	cfg      config
	srv      *httptest.Server // the API: api.quiltt.io
	authSrv  *httptest.Server // the auth API: auth.quiltt.io
	url      string
	authURL  string
	schemas  schemas
	apiKeyID string

	ctx     context.Context // ends when Close starts
	cancel  context.CancelFunc
	wg      sync.WaitGroup // delayed refreshes and their deliveries
	webhook *http.Client

	mu           sync.RWMutex // guards everything below
	closed       bool
	st           *store
	tokens       map[string]*session // session token → session
	sessionToken string              // issued at start for the default profile
	profileLimit int                 // SetProfileLimit; 0 for none
	faults       map[Route][]Fault
	windows      map[string]*rlWindow
	requests     []Request
	pending      []*pendingRefresh
	completed    int
	deliveries   []Delivery
	subs         subscriptions // webhook subscriptions (subscriptions.go)
	dl           deliveryState // delivery.go
	changed      chan struct{} // closed and replaced at every completion
}

// NewServer starts a fake Quiltt API on loopback addresses (or on the
// listeners of WithListeners), seeded with the default profile
// (DefaultProfileID) and, unless WithoutSeed is given, the two accounts of
// Quiltt's balances doc page (CheckingAccountID and CreditCardAccountID).
// Call Close when done.
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

func newServer(opts []Option) (s *Server, err error) {
	cfg := defaultConfig()
	defer func() {
		if err != nil { // the server owns the WithListeners listeners only once it runs
			if cfg.apiListener != nil {
				_ = cfg.apiListener.Close()
			}
			if cfg.authListener != nil && cfg.authListener != cfg.apiListener {
				_ = cfg.authListener.Close()
			}
		}
	}()
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
	if cfg.delivery.envSecret == "" {
		cfg.delivery.envSecret = "whsec_" + randomHex(16)
	}
	sc, err := loadSchemas()
	if err != nil {
		return nil, fmt.Errorf("quilttest: the embedded schema does not load: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s = &Server{
		cfg:      cfg,
		schemas:  sc,
		apiKeyID: "key_" + randomBase62(22),
		ctx:      ctx,
		cancel:   cancel,
		webhook:  &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}},
		st:       newStore(),
		tokens:   map[string]*session{},
		faults:   map[Route][]Fault{},
		windows:  map[string]*rlWindow{},
		changed:  make(chan struct{}),
	}
	now := cfg.now()
	s.setHookLocked(cfg.webhookURL, cfg.webhookSecret)
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
	s.sessionToken = s.issueLocked(s.st.profile(DefaultProfileID), now, false).token
	s.srv = startHTTPTest(http.HandlerFunc(s.serveAPI), cfg.apiListener)
	s.authSrv = startHTTPTest(http.HandlerFunc(s.serveAuth), cfg.authListener)
	s.url = baseURL(s.srv.Listener.Addr()) + cfg.prefix
	s.authURL = baseURL(s.authSrv.Listener.Addr()) + cfg.prefix
	return s, nil
}

// startHTTPTest starts an httptest server on l, or on a new loopback
// listener when l is nil.
func startHTTPTest(h http.Handler, l net.Listener) *httptest.Server {
	ts := httptest.NewUnstartedServer(h)
	if l != nil {
		_ = ts.Listener.Close() // the loopback listener NewUnstartedServer opened
		ts.Listener = l
	}
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	ts.Start()
	return ts
}

// baseURL is the http URL a client on this machine reaches addr by: an
// unspecified address (":8080", "0.0.0.0:8080", "[::]:8080") is reached on
// 127.0.0.1.
func baseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// Close stops the server: pending refreshes are dropped, delayed refreshes
// and webhook deliveries in flight are cancelled and waited for, then both
// listeners are closed once the requests being served are answered. No
// goroutine of the server outlives Close. Calling it again, or after
// Shutdown, does nothing.
func (s *Server) Close() {
	if !s.stop() {
		return
	}
	s.srv.Close()
	s.authSrv.Close()
	s.webhook.CloseIdleConnections()
}

// Shutdown stops the server as Close does, but waits for the requests
// being served only until ctx ends (http.Server.Shutdown), then closes
// their connections. It is for a server that runs until a signal, as
// cmd/quilttest does. It returns ctx's error if requests were still being
// served when ctx ended, and nil otherwise or when the server was already
// stopped.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.stop() {
		return nil
	}
	err := errors.Join(s.srv.Config.Shutdown(ctx), s.authSrv.Config.Shutdown(ctx))
	if err != nil {
		// Out of time: drop what is still being served, so that Close
		// does not wait for it.
		s.srv.CloseClientConnections()
		s.authSrv.CloseClientConnections()
	}
	s.srv.Close()
	s.authSrv.Close()
	s.webhook.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("quilttest: Shutdown: %w", err)
	}
	return nil
}

// stop ends the background work; it reports false if the server was
// already stopped.
func (s *Server) stop() bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.closed = true
	s.pending = nil
	s.changedLocked() // wake WaitRefreshes
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return true
}

// URL returns the base URL of the API, to give quiltt.WithBaseURL: plain
// http on loopback (or the WithListeners listener), with the
// WithPathPrefix prefix if any. It cannot fail.
func (s *Server) URL() string { return s.url }

// AuthURL returns the base URL of the auth API, to give
// quiltt.WithAuthURL: a second listener, as auth.quiltt.io is another host
// than api.quiltt.io, that serves only the auth routes
// ({AuthURL}/v1/users/sessions, /v1/users/session,
// /v1/introspect/session_token and /v1/introspect/api_key; 404 for the
// others), with the WithPathPrefix prefix if any. The API at URL answers
// 404 to the auth routes. It cannot fail.
func (s *Server) AuthURL() string { return s.authURL }

// Client returns an *http.Client for raw requests to the server, API and
// auth API alike. It cannot fail.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// APIKey returns the API key secret the server accepts (WithAPIKey, or a
// random one). It cannot fail.
func (s *Server) APIKey() string { return s.cfg.apiKey }

// ProfileID returns DefaultProfileID, the profile the seeded accounts
// belong to and SessionToken authenticates. It cannot fail.
func (s *Server) ProfileID() string { return DefaultProfileID }

// changedLocked wakes every waiter; s.mu must be held.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// randomBase62 returns n random characters of [0-9A-Za-z], the alphabet of
// Quiltt's IDs ("p_12uGLpPexyTkZCcJJntSjb").
func randomBase62(n int) string {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}
