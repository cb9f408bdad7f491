// Command balances prints a table of a Quiltt Profile's accounts and their
// latest balances: name, kind, class, current, available, and what is owed.
//
// Run it from the repository's root:
//
//	go run ./examples/balances
//
// With QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID set it reads the real
// API; otherwise it says so on stderr and reads quilttest, the SDK's
// in-process fake, seeded with the two accounts of Quiltt's balances doc
// page. No network and no credentials are needed then.
//
// QUILTT_BASE_URL and QUILTT_AUTH_URL point it at another API and auth host
// than Quiltt's, such as the standalone fake: run cmd/quilttest and export
// the four variables its banner prints (see the README).
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/examples/internal/exampleenv"
)

func main() {
	if err := run(context.Background(), os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "balances:", err)
		os.Exit(1)
	}
}

// run reads the accounts of the Profile the environment selects and writes
// their table to stdout.
func run(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	env, err := exampleenv.Open(getenv, stderr)
	if err != nil {
		return err
	}
	defer env.Close()

	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	accounts, err := env.Client.Accounts(ctx, nil)
	if err != nil {
		return err
	}
	return printTable(stdout, accounts)
}

// printTable writes one row per account. Amounts are right-aligned; an
// amount Quiltt did not report, or an account without a balance, shows
// exampleenv.NoAmount, never 0.
func printTable(w io.Writer, accounts []quiltt.Account) error {
	rows := [][]string{{"NAME", "KIND", "CLASS", "CURRENT", "AVAILABLE", "OWED"}}
	for _, a := range accounts {
		kind := string(a.Kind)
		if kind == "" {
			kind = exampleenv.NoAmount // Quiltt reported no kind
		}
		var b quiltt.Balance // a nil Balance has nil amounts: shown as NoAmount
		if a.Balance != nil {
			b = *a.Balance
		}
		rows = append(rows, []string{
			a.Name, kind, string(a.Class()),
			exampleenv.Amount(b.Current),
			exampleenv.Amount(b.Available),
			exampleenv.Amount(b.AmountOwed()), // what the holder owes, whatever the class
		})
	}
	return exampleenv.WriteTable(w, rows, 3, 4, 5)
}
