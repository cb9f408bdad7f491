package quiltt

import (
	"fmt"
	"log/slog"
)

// secret holds a credential or a header value derived from one. Every way Go
// prints a value (fmt verbs, slog) shows it redacted, so a secret that ends
// up in a log line or an error by mistake is still not disclosed.
type secret string

const redacted = "[redacted]"

func (s secret) String() string   { return redacted }
func (s secret) GoString() string { return redacted }

// Format redacts under every verb, %x and %q included.
func (s secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// LogValue redacts in slog records.
func (s secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText redacts in encoders such as encoding/json.
func (s secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
