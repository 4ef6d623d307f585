package cmd

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestWireTypesMatchSchema pins every wire type of the JSON view to the
// object the schema documents for it: the same field names, the same
// required fields (those without omitempty) and compatible JSON types. A
// wire field renamed, added or dropped fails here until the schema and
// docs/json-output.md say so; engine types never reach the stream.
func TestWireTypesMatchSchema(t *testing.T) {
	schema := mustSchema(t)
	for _, tc := range []struct {
		wire any
		path string // $defs name, then property names; "[]" steps into items, "*" into additionalProperties
	}{
		{jsonChange{}, "change"},
		{jsonAttr{}, "change.attrs.[]"},
		{jsonLock{}, "lock_wait.lock"},
		{jsonCheck{}, "verify_result.verify.checks.[]"},
		{jsonReference{}, "cost_comparison.comparison.reference.[]"},
		{jsonFigure{}, "cost_comparison.comparison.reference.[].usd_per_month"},
		{jsonOutput{}, "outputs.outputs.*"},
		{jsonStateResource{}, "state_list.resources.[]"},
		{jsonFormat{}, "fmt_file.format"},
		{jsonStackEdit{}, "stack_edit.edit"},
		{jsonApproval{}, "approval_required.approval"},
		{jsonStateRedis{}, "state_record.redis"},
		{jsonStateBackend{}, "state_record.backend"},
		{jsonStateBackend{}, "state_record.redis.backends.[]"},
		{jsonStateTarget{}, "state_record.target"},
		{jsonHook{}, "hook"},
		{jsonVerify{}, "verify_result.verify"},
		{jsonMigration{}, "migration_plan.migration"},
		{jsonTargetCheck{}, "target_check.target"},
		{jsonChanges{}, "change_summary.changes"},
		{jsonDiagnostic{}, "diagnostic.diagnostic"},
		{jsonRange{}, "diagnostic.diagnostic.range"},
		{jsonPos{}, "pos"},
	} {
		typ := reflect.TypeOf(tc.wire)
		s := schema.at(t, tc.path)
		if s == nil {
			continue
		}
		f := &flat{props: map[string][]*jsonSchema{}}
		schema.flatten(s, f)
		var names, required []string
		for i := range typ.NumField() {
			field := typ.Field(i)
			name, opts, _ := strings.Cut(field.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				t.Errorf("%s.%s has no JSON name: every wire field is named explicitly", typ.Name(), field.Name)
				continue
			}
			names = append(names, name)
			if !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero") {
				required = append(required, name)
			}
			props, ok := f.props[name]
			if !ok {
				continue
			}
			want := jsonKindOf(field.Type)
			for _, p := range props {
				if types := schema.types(p); len(types) > 0 && !kindAllowed(want, types) {
					t.Errorf("%s.%s is %s on the wire, the schema's %s.%s says %v", typ.Name(), field.Name, want, tc.path, name, types)
				}
			}
		}
		documented := make([]string, 0, len(f.props))
		for k := range f.props {
			documented = append(documented, k)
		}
		sort.Strings(names)
		sort.Strings(documented)
		sort.Strings(required)
		wantRequired := slices.Clone(f.required)
		sort.Strings(wantRequired)
		if !slices.Equal(names, documented) {
			t.Errorf("%s has fields %v; the schema's %s documents %v", typ.Name(), names, tc.path, documented)
		}
		if !slices.Equal(required, wantRequired) {
			t.Errorf("%s always writes %v; the schema's %s requires %v", typ.Name(), required, tc.path, wantRequired)
		}
	}
}

// at finds the schema object at a dotted path (see TestWireTypesMatchSchema).
func (root *jsonSchema) at(t *testing.T, path string) *jsonSchema {
	t.Helper()
	parts := strings.Split(path, ".")
	s := root.Defs[parts[0]]
	for _, p := range parts[1:] {
		if s == nil {
			break
		}
		s = root.resolve(s)
		switch p {
		case "[]":
			s = s.Items
		case "*":
			s = s.AdditionalProperties
		default:
			f := &flat{props: map[string][]*jsonSchema{}}
			root.flatten(s, f)
			if len(f.props[p]) == 0 {
				s = nil
				break
			}
			s = f.props[p][len(f.props[p])-1]
		}
	}
	if s == nil {
		t.Errorf("the schema has nothing at %s", path)
		return nil
	}
	return root.resolve(s)
}

// types lists the JSON types s allows, its $ref and allOf followed.
func (root *jsonSchema) types(s *jsonSchema) []string {
	f := &flat{props: map[string][]*jsonSchema{}}
	root.flatten(s, f)
	return f.types
}

// jsonKindOf is the JSON type encoding/json gives a Go type.
func jsonKindOf(t reflect.Type) string {
	if t == reflect.TypeOf(time.Time{}) {
		return "string"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "integer"
	case reflect.Float64, reflect.Float32:
		return "number"
	case reflect.Slice:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Pointer:
		return jsonKindOf(t.Elem())
	}
	return t.Kind().String()
}

// TestWireNamesMatchSchema: the stream names actions and engine events
// from its own tables, which give exactly the documented names.
func TestWireNamesMatchSchema(t *testing.T) {
	schema := mustSchema(t)
	var actions, documented []string
	for _, name := range jsonActions {
		actions = append(actions, name)
	}
	for _, e := range schema.Defs["action"].Enum {
		documented = append(documented, e.(string))
	}
	sort.Strings(actions)
	sort.Strings(documented)
	if !slices.Equal(actions, documented) {
		t.Errorf("the JSON view names actions %v; the schema's action lists %v", actions, documented)
	}
	events := schema.eventTypes()
	for engine, name := range jsonEventTypes {
		if _, ok := events[name]; !ok {
			t.Errorf("engine event %q goes out as %q, which the schema does not document", engine, name)
		}
	}
}
