package quiltt_test

import (
	"go/parser"
	"go/token"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shellBlocks returns the text of README.md's ```sh blocks.
func shellBlocks(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	var blocks []string
	for _, part := range strings.Split(string(readme), "```sh\n")[1:] {
		block, _, ok := strings.Cut(part, "```")
		require.True(t, ok, "an unclosed ```sh block")
		blocks = append(blocks, block)
	}
	require.NotEmpty(t, blocks)
	return blocks
}

// shellWords splits a block into its commands' words, without comments,
// line continuations and quotes; good enough for the README's one-liners.
func shellWords(block string) []string {
	var words []string
	for line := range strings.Lines(block) {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		for _, w := range strings.Fields(line) {
			w = strings.Trim(w, `'"\`)
			if w != "" {
				words = append(words, w)
			}
		}
	}
	return words
}

// fileLike matches a word that names a file of the repository: a relative
// path with a slash, or a name with a file extension.
var fileLike = regexp.MustCompile(`^(\./)?[\w.-]+(/[\w.-]+)*(\.(json|go|sh|md|graphql|yaml|yml|txt|html|mod|sum))?$`)

// Every shell example of the README that names a file names one the
// repository has (or one an earlier command builds with -o), so that it
// works verbatim from a fresh clone.
func TestReadmeShellExamplesNameFilesThatExist(t *testing.T) {
	built := map[string]bool{}
	checked := 0
	for _, block := range shellBlocks(t) {
		words := shellWords(block)
		for i, w := range words {
			if i > 0 && words[i-1] == "-o" {
				built[filepath.Clean(w)] = true
			}
		}
		for i, w := range words {
			if i > 0 && words[i-1] == "-o" {
				continue
			}
			switch {
			case strings.Contains(w, "://"), strings.Contains(w, "..."), strings.Contains(w, "@"),
				strings.Contains(w, "="), strings.HasPrefix(w, "-"), strings.HasPrefix(w, "$"),
				strings.HasPrefix(w, "github.com/"), !fileLike.MatchString(w):
				continue // a URL, a package pattern, a module, a flag, a variable
			case !strings.Contains(w, "/") && !strings.Contains(w, "."):
				continue // a bare word: a command or an argument
			case strings.Contains(w, ":") || net.ParseIP(w) != nil:
				continue
			}
			checked++
			if built[filepath.Clean(w)] {
				continue
			}
			_, err := os.Stat(w)
			assert.NoError(t, err, "README.md names %q in a shell example; no such file or folder in the repository", w)
		}
	}
	assert.GreaterOrEqual(t, checked, 5, "the README's shell examples name files: the check must have seen them")
}

// The README's standalone fake delivers where the webhooks example listens,
// and neither listens on the other's port.
func TestReadmeFakeAndWebhookExampleAgree(t *testing.T) {
	src, err := os.ReadFile("examples/webhooks/main.go")
	require.NoError(t, err)
	constant := func(src []byte, name string) string {
		m := regexp.MustCompile(`(?m)^\s*(?:const\s+)?` + name + `\s*=\s*"([^"]*)"`).FindSubmatch(src)
		require.NotNil(t, m, "no constant %s", name)
		return string(m[1])
	}
	exampleAddr, examplePath := constant(src, "DefaultAddr"), constant(src, "WebhookPath")

	serve, err := os.ReadFile("cmd/quilttest/serve.go")
	require.NoError(t, err)
	fakeAddr := constant(serve, "defaultAddr")
	_, fakePort, err := net.SplitHostPort(fakeAddr)
	require.NoError(t, err)
	_, examplePort, err := net.SplitHostPort(exampleAddr)
	require.NoError(t, err)
	fp, err := strconv.Atoi(fakePort)
	require.NoError(t, err)
	assert.NotEqual(t, fakePort, examplePort, "the webhooks example listens on the fake's API port")
	assert.NotEqual(t, strconv.Itoa(fp+1), examplePort, "the webhooks example listens on the fake's auth port")

	var urls []string
	for _, block := range shellBlocks(t) {
		words := shellWords(block)
		for i, w := range words {
			if i > 0 && (words[i-1] == "-webhook-url" || words[i-1] == "-url") {
				urls = append(urls, w)
			}
			if u, ok := strings.CutPrefix(w, "QUILTT_WEBHOOK_URL="); ok {
				urls = append(urls, u)
			}
		}
	}
	require.NotEmpty(t, urls, "the README shows where the fake delivers")
	for _, raw := range urls {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		assert.Equal(t, exampleAddr, u.Host, "%s: not where examples/webhooks listens", raw)
		assert.Equal(t, examplePath, u.Path, "%s: not the path examples/webhooks serves", raw)
	}
}

// Every example says in its doc comment that QUILTT_BASE_URL and
// QUILTT_AUTH_URL point it at another host, and the README says it too.
func TestExamplesDocumentTheirURLVariables(t *testing.T) {
	mains, err := filepath.Glob("examples/*/main.go")
	require.NoError(t, err)
	require.NotEmpty(t, mains)
	for _, p := range mains {
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.PackageClauseOnly|parser.ParseComments)
		require.NoError(t, err, p)
		require.NotNil(t, f.Doc, "%s has no package doc", p)
		for _, v := range []string{"QUILTT_BASE_URL", "QUILTT_AUTH_URL"} {
			assert.Contains(t, f.Doc.Text(), v, "%s's doc comment does not say it reads %s", p, v)
		}
	}
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, v := range []string{"QUILTT_BASE_URL", "QUILTT_AUTH_URL"} {
		assert.Contains(t, string(readme), v)
	}
	// The fake is shown on loopback: no -addr on every interface.
	for _, block := range shellBlocks(t) {
		words := shellWords(block)
		for i, w := range words {
			if i > 0 && words[i-1] == "-addr" {
				host, _, err := net.SplitHostPort(w)
				require.NoError(t, err, w)
				ip := net.ParseIP(host)
				assert.True(t, ip != nil && ip.IsLoopback(), "README shows the fake on %q, not loopback only", w)
			}
		}
	}
}

// The README sets a webhook handler's fields only on the *WebhookHandler
// that NewWebhookHandlerWithLogger returns (NewWebhookHandler returns an
// http.Handler, which has none), and shows that construction.
func TestReadmeSetsHandlerFieldsOnTheStruct(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	assign := regexp.MustCompile(`(\w+)\s*:?=\s*quiltt\.(NewWebhookHandler|NewWebhookHandlerWithLogger)\(`)
	shown := false
	for _, part := range strings.Split(string(readme), "```go\n")[1:] {
		block, _, _ := strings.Cut(part, "```")
		for _, m := range assign.FindAllStringSubmatch(block, -1) {
			setsField := regexp.MustCompile(`\b` + m[1] + `\.[A-Z]\w*\s*(,\s*\w+\s*)?=`).MatchString(block)
			if m[2] == "NewWebhookHandler" {
				assert.False(t, setsField, "README sets a field of %s, an http.Handler from NewWebhookHandler", m[1])
			} else if setsField {
				shown = true
			}
		}
	}
	assert.True(t, shown, "README shows a handler from NewWebhookHandlerWithLogger with a field set")

	// Prose that sends the reader to the fields of "the returned
	// *WebhookHandler" names the constructor that returns one.
	for _, sentence := range strings.Split(strings.Join(strings.Fields(string(readme)), " "), ". ") {
		if strings.Contains(sentence, "returned `*WebhookHandler`") {
			assert.Contains(t, sentence, "NewWebhookHandlerWithLogger", "README: %q", sentence)
		}
	}
}
