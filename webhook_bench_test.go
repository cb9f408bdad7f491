package quiltt_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
)

// BenchmarkVerifyAndParseWebhook verifies the doc sample event with
// VerifyWebhook, parses it with ParseWebhook and decodes its balance.
func BenchmarkVerifyAndParseWebhook(b *testing.B) {
	body := readFixture(b, "balance_created_event.json")
	header := signedHeader(testSecret, time.Now().Unix(), body)
	b.ReportAllocs()
	for b.Loop() {
		if err := quiltt.VerifyWebhook(body, header, testSecret); err != nil {
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

// baselineEvent is the least a receiver could decode the sample into: the
// same fields, with decimal amounts.
type baselineEvent struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Type    string    `json:"type"`
	Profile struct {
		ID       string          `json:"id"`
		UUID     string          `json:"uuid"`
		Metadata json.RawMessage `json:"metadata"`
	} `json:"profile"`
	Record struct {
		ID        string           `json:"id"`
		AccountID string           `json:"accountId"`
		At        time.Time        `json:"at"`
		Source    string           `json:"source"`
		Available *decimal.Decimal `json:"available"`
		Current   *decimal.Decimal `json:"current"`
		Limit     *decimal.Decimal `json:"limit"`
	} `json:"record"`
	Metadata json.RawMessage `json:"metadata"`
}

// BenchmarkVerifyAndParseWebhookBaseline does the same work by hand: the
// HMAC of "1" + timestamp + body compared with the header's signature, and
// one json.Unmarshal into baselineEvent.
func BenchmarkVerifyAndParseWebhookBaseline(b *testing.B) {
	body := readFixture(b, "balance_created_event.json")
	header := signedHeader(testSecret, time.Now().Unix(), body)
	b.ReportAllocs()
	for b.Loop() {
		sig, err := base64.StdEncoding.DecodeString(header.Get(quiltt.HeaderSignature))
		if err != nil {
			b.Fatal(err)
		}
		mac := hmac.New(sha256.New, []byte(testSecret))
		mac.Write([]byte("1"))
		mac.Write([]byte(header.Get(quiltt.HeaderTimestamp)))
		mac.Write(body)
		if !hmac.Equal(mac.Sum(nil), sig) {
			b.Fatal("signature")
		}
		var e baselineEvent
		if err := json.Unmarshal(body, &e); err != nil {
			b.Fatal(err)
		}
	}
}
