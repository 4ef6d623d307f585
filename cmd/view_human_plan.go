package cmd

import (
	"fmt"

	"github.com/rediskit/rediskit/provision"
)

func (v *viewHuman) Plan(p *provision.Plan) {
	v.drift(p)
	if !p.HasChanges() {
		v.Result(result{Kind: "no_changes", Message: "The stack matches what is running."})
		return
	}
	fmt.Fprintln(v.out, "rediskit will perform the following actions:")
	for _, c := range p.Changes {
		if c.Action != provision.NoOp {
			v.change(c)
		}
	}
	fmt.Fprintf(v.out, "\n%s %s\n", v.paint(ansiBold, "Plan:"), summaryLine(p.Summary()))
}

// drift lists what changed outside rediskit before the plan that repairs it.
func (v *viewHuman) drift(p *provision.Plan) {
	first := true
	for _, c := range p.Changes {
		if c.Drift == "" {
			continue
		}
		if first {
			fmt.Fprintln(v.out, v.paint(ansiBold, "Changed outside rediskit:"))
			first = false
		}
		fmt.Fprintf(v.out, "  %s: %s\n", c.Address, c.Drift)
	}
	if !first {
		fmt.Fprintln(v.out)
	}
}

func (v *viewHuman) change(c *provision.Change) {
	sym := v.symbol(c.Action)
	head := fmt.Sprintf("%s %s", c.Address, v.paint(ansiCyan, "("+c.Type+")"))
	fmt.Fprintf(v.out, "\n  # %s %s: %s\n", c.Address, actionPhrase(c), c.Reason)
	fmt.Fprintf(v.out, "  %s %s", sym, head)
	if c.Describe != "" {
		fmt.Fprintf(v.out, " %s", c.Describe)
	}
	fmt.Fprintln(v.out)
	for _, a := range c.Attrs {
		line := fmt.Sprintf("      %s: %q -> %q", a.Name, a.Old, a.New)
		if a.ForcesReplace {
			line += v.paint(ansiRed, " # forces replacement")
		}
		if a.Note != "" {
			line += " # " + a.Note
		}
		fmt.Fprintln(v.out, line)
	}
	if c.Action == provision.Bind {
		url := c.URL
		if url == "" {
			url = "(known after apply)"
		}
		fmt.Fprintf(v.out, "      url: %s\n", url)
	}
	for _, w := range c.Warnings {
		fmt.Fprintf(v.out, "      %s %s\n", v.paint(ansiYellow+ansiBold, "Warning:"), w)
	}
}

func (v *viewHuman) symbol(a provision.Action) string {
	s := a.Symbol()
	switch a {
	case provision.Create, provision.Bind:
		return v.paint(ansiGreen, s)
	case provision.Update:
		return v.paint(ansiYellow, s)
	}
	return v.paint(ansiRed, s)
}

func actionPhrase(c *provision.Change) string {
	switch c.Action {
	case provision.Create:
		if c.From != "" {
			return "will be created to replace the " + c.From + " backend"
		}
		return "will be created"
	case provision.Update:
		return "will be updated in place"
	case provision.Replace:
		return "must be replaced"
	case provision.Delete:
		return "will be deleted"
	case provision.Bind:
		return "will get the URL of redis." + c.Redis
	case provision.Unbind:
		return "will lose its URL"
	}
	return "is up to date"
}

func summaryLine(s provision.Summary) string {
	return fmt.Sprintf("%d to create, %d to update, %d to replace, %d to delete; %s to bind, %d to unbind.",
		s.Create, s.Update, s.Replace, s.Delete, plural(s.Bind, "target"), s.Unbind)
}

// plural writes "1 target" or "2 targets".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
