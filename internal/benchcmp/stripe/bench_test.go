package stripecmp

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	stripe "github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

const secret = "whsec_bench_0123456789abcdef"

// quilttBody is the balances doc page's sample event, the body the root
// module's BenchmarkVerifyAndParseWebhook uses too.
func quilttBody(tb testing.TB) []byte {
	body, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "webhook", "balance_created_event.json"))
	if err != nil {
		tb.Fatal(err)
	}
	return body
}

// stripeBody returns a balance.available event of stripe-go's API version,
// its data object padded to exactly size bytes in all, so that both
// libraries verify and decode as many bytes.
func stripeBody(tb testing.TB, size int) []byte {
	const format = `{"id":"evt_1QmJ3b2eZvKYlo2C8nRtVw4p","object":"event","api_version":%q,"created":1767332561,` +
		`"data":{"object":{"object":"balance","available":[{"amount":11000,"currency":"usd","source_types":{"card":11000}}],` +
		`"livemode":false,"pending":[{"amount":0,"currency":"usd"}]%s}},` +
		`"livemode":false,"pending_webhooks":1,"request":{"id":null,"idempotency_key":null},"type":"balance.available"}`
	bare := fmt.Sprintf(format, stripe.APIVersion, "")
	pad := size - len(bare)
	const field = `,"note":""`
	if pad < len(field) {
		tb.Fatalf("the Stripe event (%d bytes) does not fit in %d bytes", len(bare), size)
	}
	body := []byte(fmt.Sprintf(format, stripe.APIVersion, `,"note":"`+strings.Repeat("x", pad-len(field))+`"`))
	if len(body) != size {
		tb.Fatalf("Stripe event of %d bytes, want %d", len(body), size)
	}
	return body
}

// TestSameJobSameSize checks what the benchmarks compare: both libraries
// accept their delivery, of the same size, and refuse it signed with
// another secret.
func TestSameJobSameSize(t *testing.T) {
	qb := quilttBody(t)
	sb := stripeBody(t, len(qb))
	if len(qb) != len(sb) {
		t.Fatalf("sizes %d and %d", len(qb), len(sb))
	}
	now := time.Now()
	if err := quiltt.VerifyWebhook(qb, quilttest.SignWebhook(qb, secret, now), secret); err != nil {
		t.Fatal(err)
	}
	if err := quiltt.VerifyWebhook(qb, quilttest.SignWebhook(qb, "whsec_other", now), secret); err == nil {
		t.Fatal("quiltt accepted another secret")
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: sb, Secret: secret, Timestamp: now})
	if _, err := webhook.ConstructEvent(sb, signed.Header, secret); err != nil {
		t.Fatal(err)
	}
	if _, err := webhook.ConstructEvent(sb, signed.Header, "whsec_other"); err == nil {
		t.Fatal("stripe-go accepted another secret")
	}
}

// BenchmarkVerifyAndParseWebhook is the SDK's path for one delivery, as the
// root module's benchmark of that name: VerifyWebhook, ParseWebhook and the
// typed balance.
func BenchmarkVerifyAndParseWebhook(b *testing.B) {
	body := quilttBody(b)
	header := quilttest.SignWebhook(body, secret, time.Now())
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := quiltt.VerifyWebhook(body, header, secret); err != nil {
			b.Fatal(err)
		}
		p, err := quiltt.ParseWebhook(body)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.Events[0].Balance(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAndParseWebhookVsStripe is stripe-go's path for a delivery
// of the same size: webhook.ConstructEvent (signature, tolerance, the
// event decoded with its data object as a map and as raw JSON). It decodes
// no typed object: a Stripe receiver that wants one pays a further
// json.Unmarshal of event.Data.Raw, which the SDK's path includes.
func BenchmarkVerifyAndParseWebhookVsStripe(b *testing.B) {
	body := stripeBody(b, len(quilttBody(b)))
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: time.Now()})
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		e, err := webhook.ConstructEvent(body, signed.Header, secret)
		if err != nil {
			b.Fatal(err)
		}
		if e.Type != "balance.available" || !bytes.HasPrefix(e.Data.Raw, []byte(`{"object":"balance"`)) {
			b.Fatalf("decoded %q", e.Type)
		}
	}
}
