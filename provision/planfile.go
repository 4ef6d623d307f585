package provision

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"

	ctyjson "github.com/zclconf/go-cty/cty/json"
)

// PlanFileFormat is the "format" field of every plan file. A command that
// takes a stack or a plan file tells them apart by it, not by the name.
const PlanFileFormat = "rediskit-plan"

// PlanFileFormatVersion is the plan file format this build writes. A plan
// file with another version is refused.
const PlanFileFormatVersion = 1

// PlanFile is a saved plan, as `rediskit plan --out FILE` writes it: what it
// was made from (the stack, the variable values and the state) and its
// changes as data. It holds no secret: stack source and variable values only
// as SHA-256 digests, URLs only masked.
type PlanFile struct {
	Format          string    `json:"format"`
	FormatVersion   int       `json:"format_version"`
	RediskitVersion string    `json:"rediskit_version"`
	CreatedAt       time.Time `json:"created_at"`
	// Stack is the stack file's path as the plan command resolved it.
	Stack string `json:"stack"`
	// StackSHA256 and VarsSHA256 are the hex SHA-256 digests of the stack
	// file's bytes and of every variable's resolved value (VarsDigest).
	StackSHA256 string `json:"stack_sha256"`
	VarsSHA256  string `json:"vars_sha256"`
	// Lineage and Serial name the state the plan was made from; serial 0
	// means no state had been written yet.
	Lineage string    `json:"lineage"`
	Serial  int64     `json:"serial"`
	Destroy bool      `json:"destroy"`
	Changes []*Change `json:"changes"`

	path string // where the file was read from or written to
}

// NewPlanFile records plan p, made from stack by rediskit version, as a
// plan file.
func NewPlanFile(stack *Stack, p *Plan, version string, now time.Time) (*PlanFile, error) {
	src, err := stackSource(stack)
	if err != nil {
		return nil, err
	}
	vars, err := VarsDigest(stack)
	if err != nil {
		return nil, err
	}
	changes := p.Changes
	if changes == nil {
		changes = []*Change{}
	}
	return &PlanFile{Format: PlanFileFormat, FormatVersion: PlanFileFormatVersion, RediskitVersion: version,
		CreatedAt: now.UTC(), Stack: stack.File, StackSHA256: digest(src), VarsSHA256: vars,
		Lineage: p.Lineage, Serial: p.Serial, Destroy: p.Destroy, Changes: changes}, nil
}

// Path is where the plan file was read from or written to.
func (pf *PlanFile) Path() string { return pf.path }

// stackSource returns the bytes the stack was decoded from.
func stackSource(stack *Stack) ([]byte, error) {
	f, ok := stack.Files[stack.File]
	if !ok || f == nil {
		return nil, fmt.Errorf("the source of stack %s was not kept; this is a bug in rediskit, please report it", stack.File)
	}
	return f.Bytes, nil
}

// VarsDigest is the hex SHA-256 of every variable's name and resolved value
// (from --var, REDISKIT_VAR_NAME or the default), in name order.
func VarsDigest(stack *Stack) (string, error) {
	names := make([]string, 0, len(stack.Variables))
	for name := range stack.Variables {
		names = append(names, name)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, name := range names {
		v := stack.Variables[name].Value
		val, err := ctyjson.Marshal(v, v.Type())
		if err != nil {
			return "", fmt.Errorf("variable %q: %w", name, err)
		}
		fmt.Fprintf(&b, "%s=%s\n", name, val)
	}
	return digest(b.Bytes()), nil
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Write stores the plan file at path as indented JSON, atomically and with
// mode 0600.
func (pf *PlanFile) Write(path string) error {
	data, err := json.MarshalIndent(pf, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the plan: %w", err)
	}
	if err := writeFileAtomic(path, append(data, '\n')); err != nil {
		return fmt.Errorf("write the plan to %s: %w; check that its folder exists and is writable", path, err)
	}
	pf.path = path
	return nil
}

// ReadPlanFile reads the plan file at path. It returns (nil, nil) when path
// is not a plan file (a stack file, a folder, or nothing at all), so that
// callers can treat it as a stack. A plan file that is damaged or of another
// format version is an error.
func ReadPlanFile(path string) (*PlanFile, error) {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !looksLikePlanFile(data) {
		return nil, nil
	}
	pf := &PlanFile{path: path}
	if err := json.Unmarshal(data, pf); err != nil || pf.Format != PlanFileFormat {
		return nil, fmt.Errorf("plan file %s is damaged (%v); run `rediskit plan --out %s` again", path, err, path)
	}
	if pf.FormatVersion != PlanFileFormatVersion {
		return nil, fmt.Errorf("plan file %s has format version %d, but this rediskit reads version %d; "+
			"make the plan with the rediskit that applies it", path, pf.FormatVersion, PlanFileFormatVersion)
	}
	return pf, nil
}

// looksLikePlanFile tells a plan file from a stack file: a stack is HCL
// native syntax, which never starts with "{", and a plan file names its
// format.
func looksLikePlanFile(data []byte) bool {
	data = bytes.TrimSpace(data)
	return bytes.HasPrefix(data, []byte("{")) && bytes.Contains(data, []byte(`"`+PlanFileFormat+`"`))
}
