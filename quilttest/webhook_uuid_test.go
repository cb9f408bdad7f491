package quilttest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// An event's profile.uuid is never null (Quiltt's OpenAPI requires it):
// a Profile given without a UUID gets one derived from its ID, the same
// in every body; a UUID given is kept.
func TestBalanceCreatedBodyProfileUUIDNeverNull(t *testing.T) {
	uuidOf := func(p quilttest.Profile) string {
		body := quilttest.BalanceCreatedBody(p, quiltt.Balance{}, time.Unix(1767332561, 0))
		var env struct {
			Events []struct {
				Profile struct {
					UUID *string `json:"uuid"`
				} `json:"profile"`
			} `json:"events"`
		}
		require.NoError(t, json.Unmarshal(body, &env))
		require.Len(t, env.Events, 1)
		require.NotNil(t, env.Events[0].Profile.UUID, "profile.uuid is not null: %s", body)
		payload, err := quiltt.ParseWebhook(body)
		require.NoError(t, err)
		assert.Equal(t, *env.Events[0].Profile.UUID, payload.Events[0].Profile.UUID)
		return *env.Events[0].Profile.UUID
	}
	derived := uuidOf(quilttest.Profile{ID: "p_noUUID"})
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, derived)
	assert.Equal(t, derived, uuidOf(quilttest.Profile{ID: "p_noUUID"}), "the same for every body of the ID")
	assert.NotEqual(t, derived, uuidOf(quilttest.Profile{ID: "p_other"}))
	assert.Equal(t, quilttest.DefaultProfileUUID, uuidOf(quilttest.Profile{}))
	assert.Equal(t, "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10", uuidOf(quilttest.Profile{ID: "p_1", UUID: "0190b3c1-7d4e-7a21-9c3f-5e2d8a6b4f10"}))
}

// The schema slice types Profile.uuid as the live schema does, ID!, and
// the fake answers it for every Profile, one added without a UUID too.
func TestProfileUUIDIsNonNullID(t *testing.T) {
	assert.Contains(t, quiltt.Schema(), "uuid: ID!")
	s := quilttest.NewTestServer(t)
	require.NoError(t, s.AddProfile(quilttest.Profile{ID: "p_added"}))
	tok, err := s.IssueSessionToken("p_added")
	require.NoError(t, err)
	r := gqlAs(t, s, "Bearer "+tok, `{ profile { id uuid } }`, nil, "")
	require.Equal(t, 200, r.status)
	var out struct {
		Data struct {
			Profile struct{ ID, UUID string }
		}
	}
	require.NoError(t, json.Unmarshal(r.body, &out))
	assert.Regexp(t, `^[0-9a-f-]{36}$`, out.Data.Profile.UUID, "%s", r.body)
}
