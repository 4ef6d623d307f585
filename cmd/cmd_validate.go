package cmd

import (
	"github.com/spf13/cobra"
)

func newValidateCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "validate [STACK]",
		Short: "Check a stack file without calling any API",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if _, _, err := a.loadStack(stackPath(args)); err != nil {
				return err
			}
			a.validateView().Result(result{Kind: "valid", Message: "Success! The stack is valid."})
			return nil
		},
	}
}

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print rediskit's version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, args []string) error {
			a.validateView().Result(result{Kind: "version", Message: versionLine()})
			return nil
		},
	}
}
