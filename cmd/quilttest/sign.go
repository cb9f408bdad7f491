package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/signature"
)

// maxSignBody bounds the body sign reads: Quiltt's deliveries are small,
// and the SDK's handler refuses far less.
const maxSignBody = 10 << 20

// runSign prints the headers of a signed delivery of a body, and a curl
// command line that sends it.
func runSign(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("quilttest sign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	secret := fs.String("secret", "", "the webhook `secret` (default $"+envWebhookSecret+")")
	bodyPath := fs.String("body", "-", "`file` holding the delivery's body; - for stdin")
	target := fs.String("url", "http://127.0.0.1:9000/webhooks/quiltt", "the endpoint `URL` the curl line posts to")
	unix := fs.Int64("timestamp", 0, "the Quiltt-Timestamp, in Unix `seconds` (default now)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: quilttest sign -secret whsec_… [-body file.json] [-url URL] [-timestamp unix]\n"+
			"Prints the Quiltt-Signature and Quiltt-Timestamp headers of a delivery of the body, and a curl line that sends it.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("sign: unexpected argument %q", fs.Arg(0))
	}
	if *secret == "" {
		*secret = getenv(envWebhookSecret)
	}
	if *secret == "" {
		return errors.New("sign: need -secret or $" + envWebhookSecret)
	}
	body, err := readBody(*bodyPath, stdin)
	if err != nil {
		return err
	}
	ts := *unix
	if ts == 0 {
		ts = time.Now().Unix()
	}

	sig := signature.Sign([]byte(*secret), ts, body)
	tsText := strconv.FormatInt(ts, 10)
	fmt.Fprintf(stdout, "%s: %s\n", quiltt.HeaderSignature, sig)
	fmt.Fprintf(stdout, "%s: %s\n", quiltt.HeaderTimestamp, tsText)
	fmt.Fprintln(stdout)
	data := "@" + *bodyPath
	if *bodyPath == "-" {
		data = string(body)
	}
	fmt.Fprintf(stdout, "curl -sS -X POST %s -H %s -H %s -H %s --data-binary %s\n",
		shellQuote(*target), shellQuote("Content-Type: application/json"),
		shellQuote(quiltt.HeaderSignature+": "+sig), shellQuote(quiltt.HeaderTimestamp+": "+tsText), shellQuote(data))
	fmt.Fprintf(stderr, "quilttest sign: valid until %s (300 seconds either side of the timestamp)\n",
		time.Unix(ts, 0).Add(300*time.Second).UTC().Format(time.RFC3339))
	return nil
}

// readBody reads the body from path, or from stdin for "-", at most
// maxSignBody bytes.
func readBody(path string, stdin io.Reader) ([]byte, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("sign: %w", err)
		}
		defer f.Close()
		r = f
	}
	body, err := io.ReadAll(io.LimitReader(r, maxSignBody+1))
	if err != nil {
		return nil, fmt.Errorf("sign: reading the body: %w", err)
	}
	if len(body) > maxSignBody {
		return nil, fmt.Errorf("sign: the body exceeds %d bytes", maxSignBody)
	}
	return body, nil
}

// shellQuote quotes s for a POSIX shell: in single quotes, each single
// quote of s closing the quotes, escaped with a backslash, and reopening
// them. The bytes between the quotes reach the program unchanged, so the
// signed body is sent exactly.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
