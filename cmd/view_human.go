package cmd

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rediskit/rediskit/provision"
)

// viewHuman renders for a person: Terraform-like symbols, colour on a
// terminal, errors on stderr.
type viewHuman struct {
	out, err io.Writer
	color    bool
}

var _ view = (*viewHuman)(nil)

func newHumanView(s *Streams, color bool) *viewHuman {
	return &viewHuman{out: s.Out, err: s.Err, color: color}
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

func (v *viewHuman) paint(code, s string) string {
	if !v.color {
		return s
	}
	return code + s + ansiReset
}

func (v *viewHuman) Diagnostics(diags hcl.Diagnostics, files map[string]*hcl.File) {
	w := hcl.NewDiagnosticTextWriter(v.err, files, 100, v.color)
	for _, d := range diags {
		_ = w.WriteDiagnostic(d)
	}
}

func (v *viewHuman) Error(err error) {
	fmt.Fprintf(v.err, "%s %s\n", v.paint(ansiRed+ansiBold, "Error:"), err)
}

func (v *viewHuman) LockWait(held *provision.LockError, next time.Duration) {
	fmt.Fprintf(v.err, "State is locked by %s on %s since %s (%s); trying again in %s...\n",
		held.Info.Who, held.Info.Host, held.Info.Created.Format(time.RFC3339), held.Info.Operation, next.Round(time.Millisecond))
}

func (v *viewHuman) Result(r result) {
	switch r.Kind {
	case "no_changes":
		fmt.Fprintln(v.out, v.paint(ansiGreen+ansiBold, "No changes.")+" "+r.Message)
	case "error":
		fmt.Fprintln(v.out, v.paint(ansiRed+ansiBold, r.Message))
	default:
		fmt.Fprintln(v.out, v.paint(ansiGreen+ansiBold, r.Message))
	}
}

func (v *viewHuman) Outputs(outs []outputValue) {
	if len(outs) == 1 && outs[0].Name == "" {
		fmt.Fprintln(v.out, outs[0].URL)
	} else {
		for _, o := range outs {
			fmt.Fprintf(v.out, "%s = %s\n", o.Name, o.URL)
		}
	}
	// On stderr, so that $(rediskit output --reveal NAME) is the URL alone.
	for _, o := range outs {
		if o.CAFile == "" {
			continue
		}
		whose := "the URL"
		if o.Name != "" {
			whose = o.Name + "'s URL"
		}
		// redis-cli 7.0 reads neither ssl_ca_certs nor, in ":PASSWORD@",
		// that the user name is absent: it sends AUTH "" PASSWORD, which
		// fails, unless --user comes after -u.
		fmt.Fprintf(v.err, "note: %s names the CA file %s (ssl_ca_certs, which redis-py reads); "+
			"redis-cli reads neither it nor the URL's empty user name: redis-cli --tls --cacert %s -u URL --user default\n",
			whose, o.CAFile, o.CAFile)
	}
}

func (v *viewHuman) DjangoSettings(env string) {
	fmt.Fprintf(v.out, `# Django Channels' layer for channels_redis 4.x. %[1]s is the URL that
# rediskit writes into .env or Cloud Run (or prints: rediskit output --reveal).
import os

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ[%[2]q]]},
    },
}
`, env, env)
}

func (v *viewHuman) Event(ev provision.Event) {
	switch ev.Type {
	case provision.EventApplyStart:
		fmt.Fprintf(v.out, "%s: %s...\n", v.paint(ansiBold, ev.Address), actionVerb(ev.Action, true))
	case provision.EventApplyProgress:
		fmt.Fprintf(v.out, "%s: Still %s... [%s elapsed] %s\n", ev.Address, strings.ToLower(actionVerb(ev.Action, true)),
			ev.Elapsed.Round(time.Second), ev.Message)
	case provision.EventApplyComplete:
		fmt.Fprintf(v.out, "%s: %s complete after %s\n", v.paint(ansiBold, ev.Address), actionVerb(ev.Action, false),
			ev.Elapsed.Round(time.Second))
	case provision.EventApplyErrored:
		fmt.Fprintf(v.out, "%s: %s failed after %s\n", ev.Address, actionVerb(ev.Action, false), ev.Elapsed.Round(time.Second))
	case provision.EventVerify:
		fmt.Fprintf(v.out, "%s: %s\n", v.paint(ansiBold, ev.Address), verifyLine(ev.Verify, v))
	case provision.EventMigration:
		fmt.Fprintf(v.out, "\n  %s %s: %s\n", v.paint(ansiCyan+ansiBold, "»"), v.paint(ansiBold, ev.Address), ev.Message)
		for i, step := range ev.Steps {
			fmt.Fprintf(v.out, "      %d. %s\n", i+1, step)
		}
	case provision.EventTargetCheck:
		mark := v.paint(ansiGreen, "ok")
		if ev.Failed {
			mark = v.paint(ansiRed, "problem")
		}
		fmt.Fprintf(v.out, "%s: %s: %s\n", v.paint(ansiBold, ev.Address), mark, ev.Message)
	case provision.EventWarning:
		if ev.Address == "" {
			fmt.Fprintf(v.err, "%s %s\n", v.paint(ansiYellow+ansiBold, "Warning:"), ev.Message)
			return
		}
		fmt.Fprintf(v.out, "%s %s: %s\n", v.paint(ansiYellow+ansiBold, "Note:"), ev.Address, ev.Message)
	}
}

func verifyLine(r *provision.VerifyResult, v *viewHuman) string {
	switch {
	case r.Unreachable:
		return v.paint(ansiYellow, r.Summary())
	case r.Passed:
		return v.paint(ansiGreen, r.Summary())
	}
	return v.paint(ansiRed, r.Summary())
}

func actionVerb(a provision.Action, ongoing bool) string {
	verbs := map[provision.Action][2]string{
		provision.Create: {"Creating", "Creation"}, provision.Update: {"Updating", "Update"},
		provision.Replace: {"Replacing", "Replacement"}, provision.Delete: {"Deleting", "Deletion"},
		provision.Bind: {"Writing URL", "Write"}, provision.Unbind: {"Removing URL", "Removal"},
		provision.NoOp: {"Writing URL", "Write"},
	}
	if ongoing {
		return verbs[a][0]
	}
	return verbs[a][1]
}
