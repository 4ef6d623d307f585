package cmd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
)

type fmtOptions struct {
	files []string
	check bool
	diff  bool
}

func newFmtCmd(a *app) *cobra.Command {
	opts := &fmtOptions{}
	c := &cobra.Command{
		Use:   "fmt [STACK...]",
		Short: "Rewrite stack files in canonical form",
		RunE: func(c *cobra.Command, args []string) error {
			opts.files = args
			if len(args) == 0 {
				opts.files = []string{"stack.hcl"}
			}
			return runFmt(a, opts)
		},
	}
	c.Flags().BoolVar(&opts.check, "check", false, "change nothing; exit 1 when a file is not formatted")
	c.Flags().BoolVar(&opts.diff, "diff", false, "show how each file would change")
	return c
}

func runFmt(a *app, opts *fmtOptions) error {
	files, err := expandHCLFiles(opts.files)
	if err != nil {
		return err
	}
	unformatted := false
	for _, f := range files {
		changed, err := fmtFile(a, f, opts)
		if err != nil {
			return err
		}
		unformatted = unformatted || changed
	}
	if opts.check && unformatted {
		return &exitCodeError{code: exitError}
	}
	return nil
}

// expandHCLFiles replaces folders by the .hcl files in them.
func expandHCLFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("fmt: %w; name stack files or folders that hold them", err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		matches, _ := filepath.Glob(filepath.Join(p, "*.hcl"))
		files = append(files, matches...)
	}
	return files, nil
}

// fmtFile formats one file and reports whether it was (or would be) changed.
// A file that does not parse is reported, not rewritten.
func fmtFile(a *app, path string, opts *fmtOptions) (bool, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("fmt: %w", err)
	}
	file, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		a.fmtView().Diagnostics(diags, map[string]*hcl.File{path: file})
		return false, errReported
	}
	out := hclwrite.Format(src)
	if bytes.Equal(out, src) {
		return false, nil
	}
	f := formatted{File: path, Rewritten: !opts.check}
	if opts.diff {
		f.Diff = unifiedDiff(path, "formatted", string(src), string(out))
	}
	a.fmtView().Formatted(f)
	if opts.check {
		return true, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return true, err
	}
	return true, writeFileAtomic(path, out, info.Mode().Perm())
}

func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("fmt: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("fmt: write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
