package cmd

import (
	"errors"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
)

// invocation is one `rediskit …` command line found in a CI example.
type invocation struct {
	line string
	args []string // after "rediskit", variables replaced by placeholders
}

// loadCIExample parses a CI example as YAML and returns its document.
func loadCIExample(t *testing.T, name string) *yaml.Node {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "examples", "ci", name))
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s is not valid YAML: %v", name, err)
	}
	if len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		t.Fatalf("%s is not a YAML mapping", name)
	}
	return doc.Content[0]
}

// shellScripts returns the shell text of a CI file: GitHub Actions `run`
// values and Cloud Build step `args` items.
func shellScripts(n *yaml.Node) []string {
	var out []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				key, val := n.Content[i].Value, n.Content[i+1]
				switch {
				case key == "run" && val.Kind == yaml.ScalarNode:
					out = append(out, val.Value)
				case key == "args" && val.Kind == yaml.SequenceNode:
					var words []string
					for _, item := range val.Content {
						words = append(words, item.Value)
					}
					out = append(out, strings.Join(words, "\n"))
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(n)
	return out
}

var shellVar = regexp.MustCompile(`\$\{\{[^}]*\}\}|\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*`)

// rediskitInvocations finds each command `rediskit …` (or a path ending in
// /rediskit) in shell text: a word at a command position, up to the next
// operator or redirection. Quotes are dropped and variables become "X".
func rediskitInvocations(script string) []invocation {
	script = strings.ReplaceAll(script, "\\\n", " ")
	script = strings.ReplaceAll(script, "$$", "$") // Cloud Build's escape
	var out []invocation
	for _, line := range strings.Split(script, "\n") {
		words := shellWords(shellVar.ReplaceAllString(line, "X"))
		for i, w := range words {
			if path.Base(w) != "rediskit" || !commandPosition(words, i) {
				continue
			}
			inv := invocation{line: strings.TrimSpace(line)}
			for _, a := range words[i+1:] {
				if isShellOperator(a) {
					break
				}
				inv.args = append(inv.args, a)
			}
			out = append(out, inv)
		}
	}
	return out
}

func commandPosition(words []string, i int) bool {
	return i == 0 || slices.Contains([]string{"exec", "then", "do", "else", "time"}, words[i-1]) || isShellOperator(words[i-1])
}

func isShellOperator(w string) bool {
	return slices.Contains([]string{"|", "||", "&&", ";", "&", "(", ")"}, w) ||
		strings.HasPrefix(w, ">") || strings.HasPrefix(w, "<") || strings.HasPrefix(w, "2>") || strings.HasPrefix(w, "1>")
}

// shellWords splits a line into words and one-character operators
// (; | & ( )), honouring single and double quotes (enough for the examples:
// no escapes inside quotes).
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, r := range line {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == '#' && !inWord:
			return words
		case r == ' ' || r == '\t' || strings.ContainsRune(";|&()", r):
			if inWord {
				words, inWord = append(words, cur.String()), false
				cur.Reset()
			}
			if r != ' ' && r != '\t' {
				words = append(words, string(r))
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// parseInvocation resolves args with the real command tree and parses its
// flags and positional arguments, without running anything.
func parseInvocation(args []string) (*cobra.Command, error) {
	a := newApp(&Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, func(string) string { return "" })
	root := newRootCmd(a)
	c, rest, err := root.Find(args)
	if err != nil {
		return nil, err
	}
	if c == root {
		return nil, errNoCommand
	}
	if err := c.ParseFlags(rest); err != nil {
		return nil, err
	}
	return c, c.ValidateArgs(c.Flags().Args())
}

var errNoCommand = errors.New("no rediskit command named")

func TestCIInvocationCheckCanFail(t *testing.T) {
	for _, script := range []string{
		`rediskit plan --outt plan.bin "$STACK"`,
		`rediskit apply --lock-timeout forever x`,
		`set -e; rediskit deploy`,
		`rediskit apply a b > out.txt`,
	} {
		invs := rediskitInvocations(script)
		if len(invs) != 1 {
			t.Fatalf("%q: found %d invocations", script, len(invs))
		}
		if _, err := parseInvocation(invs[0].args); err == nil {
			t.Errorf("%q parses", script)
		}
	}
	if invs := rediskitInvocations("go install github.com/rediskit/rediskit/cmd/rediskit@v1\necho rediskit plan"); len(invs) != 0 {
		t.Errorf("not invocations: %+v", invs)
	}
}

// TestCIExamples: each example is valid YAML, every rediskit invocation in
// it parses with the real commands, and it does what "Running in CI"
// promises: plan with --lock-timeout, apply of a saved plan, credentials
// from the CI's secret store.
func TestCIExamples(t *testing.T) {
	for _, name := range []string{"github-actions.yml", "cloudbuild.yaml"} {
		t.Run(name, func(t *testing.T) {
			doc := loadCIExample(t, name)
			var invs []invocation
			for _, s := range shellScripts(doc) {
				invs = append(invs, rediskitInvocations(s)...)
			}
			if len(invs) < 4 {
				t.Fatalf("only %d rediskit invocations found", len(invs))
			}
			saved := map[string]bool{}
			var appliesSaved bool
			for _, inv := range invs {
				c, err := parseInvocation(inv.args)
				if err != nil {
					t.Errorf("`%s` does not parse: %v", inv.line, err)
					continue
				}
				if slices.Contains([]string{"plan", "apply", "destroy"}, c.Name()) && !c.Flags().Changed("lock-timeout") {
					t.Errorf("`%s` takes the state lock but sets no --lock-timeout", inv.line)
				}
				if out := c.Flags().Lookup("out"); out != nil && out.Changed {
					saved[out.Value.String()] = true
				}
				if c.Name() == "apply" && len(c.Flags().Args()) == 1 && saved[c.Flags().Arg(0)] {
					appliesSaved = true
				}
			}
			if !appliesSaved {
				t.Error("no `rediskit apply FILE` of a plan saved by `rediskit plan --out FILE`")
			}
			text, _ := os.ReadFile(filepath.Join("..", "examples", "ci", name))
			for _, want := range ciPromises[name] {
				if !strings.Contains(string(text), want) {
					t.Errorf("lacks %q", want)
				}
			}
		})
	}
}

// ciPromises are what each example must contain for the README's claims.
var ciPromises = map[string][]string{
	"github-actions.yml": {
		"pull_request:", "branches: [main]", "id-token: write", "pull-requests: write",
		"google-github-actions/auth@", "workload_identity_provider:",
		"UPSTASH_EMAIL: ${{ secrets.UPSTASH_EMAIL }}", "UPSTASH_API_KEY: ${{ secrets.UPSTASH_API_KEY }}",
		"--detailed-exitcode", "github.rest.issues.createComment",
	},
	"cloudbuild.yaml": {
		"secretManager:", "env: UPSTASH_EMAIL", "env: UPSTASH_API_KEY", `secretEnv: ["UPSTASH_EMAIL", "UPSTASH_API_KEY"`,
		"${_PR_NUMBER}", "/issues/${_PR_NUMBER}/comments", "--detailed-exitcode",
	},
}
