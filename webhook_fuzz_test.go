package quiltt_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/signature"
)

// FuzzParseWebhook: any body decodes or fails with ErrWebhookPayload,
// without panicking, and the accessors of what decodes behave the same.
func FuzzParseWebhook(f *testing.F) {
	for _, name := range []string{"balance_created_event.json", "balance_created_event_trailing_comma.json", "envelope_several_events.json"} {
		f.Add(readFixture(f, name))
	}
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `{"events":[]}`, `{"events":null}`, `{"id":""}`,
		`{"id":"evt_1","type":"balance.created","record":{"id":"b","available":1e400,"current":"1","limit":null}}`,
		`{"id":"evt_1","type":"balance.created","record":{"id":"b","current":-0.000000000000000000001}}`,
		`{"id":"evt_1","type":"account.created","record":{"id":"a","balance":{"current":1}}}`,
		`{"id":"evt_1","type":"connection.created","record":{"id":"c","status":"NEW"}}`,
		`{"events":[{"id":"e","type":"x","record":null,"metadata":null,"profile":null}],"environment":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := quiltt.ParseWebhook(body)
		if err != nil {
			if !errors.Is(err, quiltt.ErrWebhookPayload) {
				t.Fatalf("error %v does not wrap ErrWebhookPayload", err)
			}
			if p != nil {
				t.Fatal("payload with an error")
			}
			return
		}
		if !json.Valid(body) {
			t.Fatal("invalid JSON accepted")
		}
		for _, e := range p.Events {
			if e.ID == "" || e.Type == "" {
				t.Fatal("event without id or type")
			}
			for _, accessor := range []func() error{
				func() error { _, err := e.Balance(); return err },
				func() error { _, err := e.Account(); return err },
				func() error { _, err := e.Connection(); return err },
			} {
				if err := accessor(); err != nil && !errors.Is(err, quiltt.ErrWebhookPayload) && !errors.Is(err, quiltt.ErrWebhookEventType) {
					t.Fatalf("accessor error %v is untyped", err)
				}
			}
		}
	})
}

// FuzzVerifyWebhookHeaders: whatever the headers hold, verification never
// panics, never leaks the secret, and accepts only a delivery that carries
// the true signature of the true timestamp within the window.
func FuzzVerifyWebhookHeaders(f *testing.F) {
	body := readFixture(f, "balance_created_event.json")
	now := testNow.Unix()
	good := signature.Sign([]byte(testSecret), now, body)
	ts := strconv.FormatInt(now, 10)
	for _, seed := range [][3]string{
		{ts, good, ""},
		{ts, good + ", " + good, ""},
		{ts, "garbage," + good, ""},
		{"+" + ts, good, ""},
		{"0" + ts, good, ""},
		{" " + ts, good, ""},
		{ts + "0", good, ""},
		{"", good, ""},
		{ts, "", ""},
		{ts, good[:43], ""},
		{ts, good, "x"},
		{"99999999999999999999", good, ""},
		{ts, "\t,,  ,", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	v, err := quiltt.NewWebhookVerifier(testSecret)
	if err != nil {
		f.Fatal(err)
	}
	v.Now = fixedClock
	f.Fuzz(func(t *testing.T, timestamp, sig, suffix string) {
		b := append(bytes.Clone(body), suffix...)
		h := http.Header{}
		h.Set(quiltt.HeaderTimestamp, timestamp)
		h.Set(quiltt.HeaderSignature, sig)
		err := v.Verify(b, h)
		if err == nil {
			unix, perr := strconv.ParseInt(timestamp, 10, 64)
			if perr != nil || strconv.FormatInt(unix, 10) != timestamp || unix < now-300 || unix > now+300 {
				t.Fatalf("accepted timestamp %q", timestamp)
			}
			if !bytes.Contains([]byte(sig), []byte(signature.Sign([]byte(testSecret), unix, b))) {
				t.Fatalf("accepted signature %q", sig)
			}
			return
		}
		if !errors.Is(err, quiltt.ErrWebhookSignature) && !errors.Is(err, quiltt.ErrWebhookTimestamp) {
			t.Fatalf("untyped error %v", err)
		}
		if bytes.Contains([]byte(err.Error()), []byte(testSecret)) {
			t.Fatal("secret in error")
		}
	})
}
