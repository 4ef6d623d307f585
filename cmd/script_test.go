package cmd

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as rediskit when scripts exec it, so
// end-to-end scripts run the real Main in a real process.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"rediskit": func() { os.Exit(Main(os.Args[1:], SystemStreams(), os.Getenv)) },
	})
}

// TestScripts runs the end-to-end scripts in testdata/script. Set
// REDISKIT_UPDATE=1 to rewrite their golden sections.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("REDISKIT_UPDATE") != "",
		Setup:               scriptSetup,
		Cmds:                scriptCmds(),
	})
}
