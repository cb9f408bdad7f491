package quiltt_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/Khan/genqlient/graphql"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
)

// Your own operation over the connections behind the accounts and the
// Profile, on the SDK's pipeline: its credential, rate limiter, retries
// and answer checks. genqlient's generated functions take GraphQL()'s
// client the same way.
func ExampleClient_GraphQL() {
	srv := quilttest.NewServer() // stands in for api.quiltt.io
	defer srv.Close()
	client, err := quiltt.NewClient(quiltt.WithBaseURL(srv.URL()), quiltt.WithAPIKey(srv.APIKey()))
	if err != nil {
		log.Fatal(err)
	}
	defer client.CloseIdleConnections()

	var data struct {
		Profile struct {
			Name *string `json:"name"`
		} `json:"profile"`
		Connections []struct {
			Status   string `json:"status"`
			Accounts []struct {
				Name string `json:"name"`
			} `json:"accounts"`
		} `json:"connections"`
	}
	req := &graphql.Request{
		OpName: "Connections",
		Query:  `query Connections { profile { name } connections { status accounts { name } } }`,
	}
	err = client.ForProfile(srv.ProfileID()).GraphQL().MakeRequest(context.Background(), req, &graphql.Response{Data: &data})
	var qe *quiltt.QueryError
	switch {
	case errors.As(err, &qe):
		log.Fatalf("GraphQL errors (partial data: %v): %v", qe.PartialData, err)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println(*data.Profile.Name)
	for _, c := range data.Connections {
		fmt.Println(c.Status, len(c.Accounts), "accounts")
	}
	// Output:
	// Quiltt Test
	// SYNCED 2 accounts
}
