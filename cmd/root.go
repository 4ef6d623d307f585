package cmd

import (
	"github.com/spf13/cobra"
)

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "rediskit",
		Short: "Provision a Redis for a Django Channels app and wire REDIS_URL into it",
		Long: `rediskit reads a stack file (stack.hcl) that declares a Redis, creates it on
Upstash, Google Memorystore or this machine, proves it works as a Channels layer,
and writes REDIS_URL into a Cloud Run service or a .env file.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	// Only cobra's own help and usage text goes through these; commands
	// write through the app's streams and views.
	root.SetOut(a.streams.Out)
	root.SetErr(a.streams.Err)
	root.SetIn(a.streams.In)
	pf := root.PersistentFlags()
	pf.BoolVar(&a.json, "json", false, "print one JSON object per line on stdout, for CI")
	pf.BoolVar(&a.noColor, "no-color", false, "no ANSI colours (also when NO_COLOR is set or stdout is not a terminal)")
	pf.StringArrayVar(&a.vars, "var", nil, "set a stack variable: --var NAME=VALUE (repeatable)")
	pf.DurationVar(&a.lockTimeout, "lock-timeout", 0, "wait this long for a held state lock (default: fail at once)")
	root.AddCommand(
		newValidateCmd(a), newFmtCmd(a), newPlanCmd(a), newApplyCmd(a), newDestroyCmd(a),
		newVerifyCmd(a), newMigrateCmd(a), newPruneCmd(a), newOutputCmd(a), newStateCmd(a), newVersionCmd(a), newInternalCmd(a),
		newCostCmd(a),
		newImportCmd(a),
	)
	return root
}
