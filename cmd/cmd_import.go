package cmd

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/rediskit/rediskit/provision"
	"github.com/spf13/cobra"
)

type importOptions struct {
	addr  string
	id    string
	stack string
}

func newImportCmd(a *app) *cobra.Command {
	opts := &importOptions{}
	return &cobra.Command{
		Use:   "import ADDR ID [STACK]",
		Short: "Adopt an existing database, e.g. import redis.channels.upstash <database_id>",
		Long: `import records an existing database in the state as the backend ADDR
(redis.NAME.TYPE) of the stack, without changing it, then shows what apply
would change about it to match the stack.`,
		Example: "  rediskit import redis.channels.upstash 6a8c2a8e-0f3b-4b3e-9d0e-3f1c2b7d9e10",
		Args:    cobra.RangeArgs(2, 3),
		RunE: func(c *cobra.Command, args []string) error {
			opts.addr, opts.id = args[0], args[1]
			opts.stack = stackPath(args[2:])
			return runImport(c.Context(), a, opts)
		},
	}
}

func runImport(ctx context.Context, a *app, opts *importOptions) error {
	name, typ, err := parseBackendAddr(opts.addr)
	if err != nil {
		return err
	}
	stack, reg, err := a.loadStack(opts.stack)
	if err != nil {
		return err
	}
	s, err := a.openState(ctx, stack, reg, "import")
	if err != nil {
		return err
	}
	defer s.unlock()
	bs, err := s.engine.Import(ctx, stack, s.state, name, typ, opts.id)
	if err != nil {
		return err
	}
	plan, err := s.engine.Plan(ctx, stack, s.state)
	if err != nil {
		return fmt.Errorf("%s is imported and recorded in the state, but planning failed: %w; fix the cause and run `rediskit plan`", opts.addr, err)
	}
	a.planView().Plan(plan)
	a.planView().Result(result{Kind: "import", Message: importLine(opts.addr, bs, plan)})
	return nil
}

// parseBackendAddr splits "redis.NAME.TYPE".
func parseBackendAddr(addr string) (name, typ string, err error) {
	parts := strings.Split(addr, ".")
	if len(parts) != 3 || parts[0] != "redis" || !hclsyntax.ValidIdentifier(parts[1]) || !hclsyntax.ValidIdentifier(parts[2]) {
		return "", "", fmt.Errorf("%q is not a backend address; write it as redis.NAME.TYPE, e.g. redis.channels.upstash", addr)
	}
	return parts[1], parts[2], nil
}

func importLine(addr string, bs *provision.BackendState, plan *provision.Plan) string {
	msg := fmt.Sprintf("Import complete! %s is %s, recorded as %s.", addr, bs.ID, bs.Status)
	if bs.Status != provision.BackendActive {
		msg += " It does not serve the redis block's URL."
	}
	if plan.HasChanges() {
		msg += " Run `rediskit apply` to make the changes above."
	}
	return msg
}
