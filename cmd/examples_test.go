package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestExamplesMatchScripts keeps each example stack identical to the copy
// that a script runs, so that the examples are known to work.
func TestExamplesMatchScripts(t *testing.T) {
	for _, tc := range []struct{ example, script, file string }{
		{"upstash.hcl", "upstash_example.txtar", "stack.hcl"},
		{"memorystore.hcl", "memorystore_lifecycle.txtar", "stack.hcl"},
		{"cloudrun-upstash.hcl", "cloudrun_upstash.txtar", "stack.hcl"},
		{"cloudrun-memorystore.hcl", "cloudrun_memorystore.txtar", "stack.hcl"},
	} {
		t.Run(tc.example, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("..", "examples", tc.example))
			if err != nil {
				t.Fatal(err)
			}
			ar, err := txtar.ParseFile(filepath.Join("testdata", "script", tc.script))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range ar.Files {
				if f.Name != tc.file {
					continue
				}
				if !bytes.Equal(f.Data, want) {
					t.Fatalf("%s in %s differs from examples/%s; copy the example into the script", tc.file, tc.script, tc.example)
				}
				return
			}
			t.Fatalf("%s has no %s section", tc.script, tc.file)
		})
	}
}
