package quiltt

import (
	"encoding/json"
	"fmt"
	"strings"
)

// APIKeyInfo is what Quiltt says of an API key (its ApiKey object), the
// answer of IntrospectAPIKey. It holds no secret.
type APIKeyInfo struct {
	// ID is the key's ID; never "".
	ID string
	// Name is the name the key was given in the Quiltt Dashboard.
	Name string
	// APIVersion is the API version the key is set to, such as
	// "2026-04-01": the version Quiltt serves the key's requests unless
	// they send Quiltt-Version (WithAPIVersion).
	APIVersion string
	// Metadata is the key's custom metadata as raw JSON; nil when null or
	// absent.
	Metadata json.RawMessage
	// Environment is the environment the key belongs to; its ID is never
	// "". Environment.Mode tells a TEST or SANDBOX key from a PRODUCTION
	// one.
	Environment Environment
}

// apiKeyWire is Quiltt's ApiKey as sent (REST OpenAPI 2026-04-01).
type apiKeyWire struct {
	ID          *string         `json:"id"`
	Name        string          `json:"name"`
	APIVersion  string          `json:"apiVersion"`
	Metadata    json.RawMessage `json:"metadata"`
	Environment *struct {
		ID       *string         `json:"id"`
		Name     string          `json:"name"`
		Mode     EnvironmentMode `json:"mode"`
		Metadata json.RawMessage `json:"metadata"`
	} `json:"environment"`
}

// decodeAPIKeyInfo decodes an ApiKey body. id and environment.id are
// required; the other keys may be absent or null. Its error never quotes
// the body.
func decodeAPIKeyInfo(body []byte) (*APIKeyInfo, error) {
	var w apiKeyWire
	if err := decodeObject(body, &w); err != nil {
		return nil, err
	}
	var problems []string
	if w.ID == nil || *w.ID == "" {
		problems = append(problems, "no id")
	}
	if w.Environment == nil {
		problems = append(problems, "no environment")
	} else if w.Environment.ID == nil || *w.Environment.ID == "" {
		problems = append(problems, "no environment.id")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("ApiKey %s", strings.Join(problems, ", "))
	}
	return &APIKeyInfo{
		ID:         *w.ID,
		Name:       w.Name,
		APIVersion: w.APIVersion,
		Metadata:   nullToNil(w.Metadata),
		Environment: Environment{
			ID:       *w.Environment.ID,
			Name:     w.Environment.Name,
			Mode:     w.Environment.Mode,
			Metadata: nullToNil(w.Environment.Metadata),
		},
	}, nil
}
