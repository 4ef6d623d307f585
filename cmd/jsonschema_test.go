package cmd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"
)

// eventSchemaFile is the documented schema of the --json stream, relative
// to this package's folder (where tests and in-process script commands run).
const eventSchemaFile = "../docs/json-output.schema.json"

// jsonSchema is the subset of JSON Schema (2020-12) that the stream's schema
// uses. Unlike a general validator, check is strict about objects: a field
// the schema does not list is an error (unless additionalProperties gives a
// schema), so that every field rediskit emits is documented. Consumers are
// told the opposite: ignore what you do not know.
type jsonSchema struct {
	Schema      string `json:"$schema"`
	ID          string `json:"$id"`
	Title       string `json:"title"`
	Description string `json:"description"`

	Ref                  string                 `json:"$ref"`
	Type                 json.RawMessage        `json:"type"`
	Const                json.RawMessage        `json:"const"`
	Enum                 []any                  `json:"enum"`
	Format               string                 `json:"format"`
	Required             []string               `json:"required"`
	Properties           map[string]*jsonSchema `json:"properties"`
	AdditionalProperties *jsonSchema            `json:"additionalProperties"`
	Items                *jsonSchema            `json:"items"`
	AllOf                []*jsonSchema          `json:"allOf"`
	OneOf                []*jsonSchema          `json:"oneOf"`
	Defs                 map[string]*jsonSchema `json:"$defs"`
}

// loadEventSchema reads the stream's schema, refusing keywords this
// validator does not implement (they would silently check nothing).
func loadEventSchema() (*jsonSchema, error) {
	data, err := os.ReadFile(eventSchemaFile)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	s := &jsonSchema{}
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("%s: %w", eventSchemaFile, err)
	}
	return s, nil
}

// eventTypes maps each documented event type to its schema.
func (root *jsonSchema) eventTypes() map[string]*jsonSchema {
	out := map[string]*jsonSchema{}
	for _, branch := range root.OneOf {
		s := root.resolve(branch)
		if t := s.Properties["type"]; t != nil && t.Const != nil {
			var name string
			_ = json.Unmarshal(t.Const, &name)
			out[name] = s
		}
	}
	return out
}

func (root *jsonSchema) resolve(s *jsonSchema) *jsonSchema {
	for s.Ref != "" {
		s = root.Defs[strings.TrimPrefix(s.Ref, "#/$defs/")]
	}
	return s
}

// validateEvent checks one line of the stream against the schema of its
// type. It returns every problem found.
func (root *jsonSchema) validateEvent(line []byte) []string {
	var ev any
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	obj, ok := ev.(map[string]any)
	if !ok {
		return []string{"not a JSON object"}
	}
	typ, _ := obj["type"].(string)
	s, ok := root.eventTypes()[typ]
	if !ok {
		return []string{fmt.Sprintf("event type %q is not in %s", typ, eventSchemaFile)}
	}
	return root.check(s, ev, typ)
}

// flat is a schema with its allOf members folded in.
type flat struct {
	types      []string
	required   []string
	props      map[string][]*jsonSchema
	additional *jsonSchema
}

func (root *jsonSchema) flatten(s *jsonSchema, f *flat) {
	s = root.resolve(s)
	for _, sub := range s.AllOf {
		root.flatten(sub, f)
	}
	if s.Type != nil {
		var one string
		if json.Unmarshal(s.Type, &one) == nil {
			f.types = append(f.types, one)
		} else {
			_ = json.Unmarshal(s.Type, &f.types)
		}
	}
	f.required = append(f.required, s.Required...)
	for k, p := range s.Properties {
		f.props[k] = append(f.props[k], p)
	}
	if s.AdditionalProperties != nil {
		f.additional = s.AdditionalProperties
	}
}

func (root *jsonSchema) check(s *jsonSchema, v any, path string) []string {
	s = root.resolve(s)
	f := &flat{props: map[string][]*jsonSchema{}}
	root.flatten(s, f)
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, path+": "+fmt.Sprintf(format, args...)) }
	kind := jsonKind(v)
	if len(f.types) > 0 && !kindAllowed(kind, f.types) {
		fail("is %s, want %s", kind, strings.Join(f.types, " or "))
		return errs
	}
	if s.Const != nil {
		var want any
		_ = json.Unmarshal(s.Const, &want)
		if !sameJSON(v, want) {
			fail("is %v, want %v", v, want)
		}
	}
	if s.Enum != nil && !slices.ContainsFunc(s.Enum, func(e any) bool { return sameJSON(v, e) }) {
		fail("%v is not one of %v", v, s.Enum)
	}
	if s.Format == "date-time" {
		if str, _ := v.(string); !validTime(str) {
			fail("%q is not an RFC 3339 date-time", str)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		errs = append(errs, root.checkObject(f, x, path)...)
	case []any:
		if s.Items != nil {
			for i, item := range x {
				errs = append(errs, root.check(s.Items, item, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

func (root *jsonSchema) checkObject(f *flat, obj map[string]any, path string) []string {
	var errs []string
	for _, k := range f.required {
		if _, ok := obj[k]; !ok {
			errs = append(errs, fmt.Sprintf("%s: lacks required field %q", path, k))
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		schemas, ok := f.props[k]
		if !ok && f.additional != nil {
			schemas, ok = []*jsonSchema{f.additional}, true
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("%s: field %q is not documented in %s", path, k, eventSchemaFile))
			continue
		}
		for _, ps := range schemas {
			errs = append(errs, root.check(ps, obj[k], path+"."+k)...)
		}
	}
	return errs
}

// jsonKind names a decoded value's JSON type; numbers decode as
// json.Number, so integers can be told apart.
func jsonKind(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number:
		if f, err := x.Float64(); err == nil && f == math.Trunc(f) && !strings.ContainsAny(x.String(), ".eE") {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

func kindAllowed(kind string, types []string) bool {
	return slices.Contains(types, kind) || (kind == "integer" && slices.Contains(types, "number"))
}

// sameJSON compares a decoded value (numbers as json.Number) with one from
// the schema (numbers as float64).
func sameJSON(a, b any) bool {
	if n, ok := a.(json.Number); ok {
		f, _ := n.Float64()
		return reflect.DeepEqual(f, b)
	}
	return reflect.DeepEqual(a, b)
}

func validTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}
