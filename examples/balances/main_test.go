package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// noEnv is an environment where no variable is set: the examples use the fake.
func noEnv(string) string { return "" }

func TestRunAgainstFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(t.Context(), noEnv, &stdout, &stderr))

	assert.Equal(t, ""+
		"NAME                 KIND        CLASS       CURRENT  AVAILABLE     OWED\n"+
		"Premium Checking     DEPOSITORY  ASSET       3141.59          —     0.00\n"+
		"Premium Credit Card  CREDIT      LIABILITY  -2134.34   12665.66  2134.34\n",
		stdout.String())
	assert.Contains(t, stderr.String(), "QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID are unset")
	assert.Contains(t, stderr.String(), "quilttest")
	assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line on stderr")
}

func TestPrintTableShowsMissingAsDash(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, printTable(&out, []quiltt.Account{
		{Name: "New Savings"}, // no kind, no balance yet
		{Name: "Card", Kind: quiltt.AccountKindCredit, Balance: &quiltt.Balance{Available: amount("50")}},
	}))
	assert.Equal(t, ""+
		"NAME         KIND    CLASS      CURRENT  AVAILABLE  OWED\n"+
		"New Savings  —       UNKNOWN          —          —     —\n"+
		"Card         CREDIT  LIABILITY        —      50.00     —\n",
		out.String())
}

func amount(s string) *decimal.Decimal {
	d := decimal.RequireFromString(s)
	return &d
}

// The first day with the standalone fake: build cmd/quilttest, run it as a
// process, take the four variables from the export lines of its banner, and
// the example prints the fake's accounts from there (not from an in-process
// fake of its own).
func TestRunAgainstStandaloneFake(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build cmd/quilttest with")
	}
	bin := filepath.Join(t.TempDir(), "quilttest")
	out, err := exec.CommandContext(t.Context(), goBin, "build", "-o", bin, "../../cmd/quilttest").CombinedOutput()
	require.NoError(t, err, string(out))

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute) // kills a process that hangs
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-addr", "127.0.0.1:0")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer func() {
		cancel()
		_ = cmd.Wait()
	}()

	vars := map[string]string{}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.HasPrefix(sc.Text(), "Stop with") {
		line, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "export ")
		if !ok {
			continue
		}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			vars[k] = v
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	for _, k := range []string{"QUILTT_BASE_URL", "QUILTT_AUTH_URL", "QUILTT_API_KEY_SECRET", "QUILTT_PROFILE_ID"} {
		require.NotEmpty(t, vars[k], "the banner exports %s", k)
	}

	var got, stderr bytes.Buffer
	require.NoError(t, run(t.Context(), func(k string) string { return vars[k] }, &got, &stderr))
	assert.Equal(t, ""+
		"NAME                 KIND        CLASS       CURRENT  AVAILABLE     OWED\n"+
		"Premium Checking     DEPOSITORY  ASSET       3141.59          —     0.00\n"+
		"Premium Credit Card  CREDIT      LIABILITY  -2134.34   12665.66  2134.34\n",
		got.String())
	assert.Contains(t, stderr.String(), "Using the Quiltt API at "+vars["QUILTT_BASE_URL"])
	assert.NotContains(t, stderr.String(), vars["QUILTT_API_KEY_SECRET"])
}
