// Package signature is the one place that knows how Quiltt signs webhook
// deliveries. The quiltt package verifies with it; quilttest signs with it.
//
// The scheme (Quiltt's docs name the headers, the version "1" and the
// 300-second window; independent receivers corroborate the rest):
//
//	signed           = "1" + Quiltt-Timestamp + raw_body   (no separators)
//	Quiltt-Signature = base64std(HMAC-SHA256(key = secret bytes, signed))
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
)

// Version is the scheme version prefixed to the signed bytes.
const Version = "1"

// Size is the length of a decoded signature: an HMAC-SHA256 sum.
const Size = sha256.Size

// Sum returns the raw HMAC-SHA256 of a delivery: version, timestamp (Unix
// seconds, in decimal, as sent in Quiltt-Timestamp) and raw body, keyed with
// the secret's bytes. dst is reused when it has room.
func Sum(dst []byte, secret []byte, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(Version))
	mac.Write([]byte(timestamp))
	mac.Write(body)
	return mac.Sum(dst[:0])
}

// Sign returns the Quiltt-Signature header value for a delivery of body at
// Unix time unix, signed with secret.
func Sign(secret []byte, unix int64, body []byte) string {
	var buf [Size]byte
	return base64.StdEncoding.EncodeToString(Sum(buf[:], secret, strconv.FormatInt(unix, 10), body))
}
