package memorystore

import (
	"maps"
	"slices"
	"strings"
)

// Attributes that record what the stack owns, so that a later read
// compares only that.
const (
	ownedLabelsAttr  = "owned_labels"
	ownedConfigsAttr = "owned_redis_configs"
)

// sent is what rediskit asked Memorystore for that the API need not echo
// as it was sent: the reserved range's name (private service access
// reports the effective CIDR), and which labels and Redis configuration
// keys are the stack's (the API or a person may add others, which are
// not rediskit's to compare or remove).
type sent struct {
	reservedRange string
	// labels and configs are the keys rediskit set; nil means unknown (an
	// imported instance, an older state), and then every key counts.
	labels, configs []string
}

// sentBySpec is what a create or an update for s sent.
func sentBySpec(s *Spec) sent {
	return sent{reservedRange: s.ReservedIPRange, labels: keysOf(s.Labels), configs: keysOf(s.RedisConfigs)}
}

// sentByRecord is what state recorded of earlier creates and updates.
func sentByRecord(attrs map[string]string) sent {
	return sent{reservedRange: attrs["reserved_ip_range"], labels: splitKeys(attrs, ownedLabelsAttr), configs: splitKeys(attrs, ownedConfigsAttr)}
}

// withKeysOf keeps the range of what was sent before and takes the keys
// of s, which an update has just sent.
func (p sent) withKeysOf(s *Spec) sent {
	p.labels, p.configs = keysOf(s.Labels), keysOf(s.RedisConfigs)
	return p
}

// record adds the owned keys to attrs.
func (p sent) record(attrs map[string]string) {
	if p.labels != nil {
		attrs[ownedLabelsAttr] = strings.Join(p.labels, ",")
	}
	if p.configs != nil {
		attrs[ownedConfigsAttr] = strings.Join(p.configs, ",")
	}
}

func keysOf(m map[string]string) []string {
	return append([]string{}, slices.Sorted(maps.Keys(m))...)
}

func splitKeys(attrs map[string]string, name string) []string {
	v, ok := attrs[name]
	switch {
	case !ok:
		return nil
	case v == "":
		return []string{}
	}
	return strings.Split(v, ",")
}

// owned is m restricted to keys; all of m when keys is nil.
func owned(m map[string]string, keys []string) map[string]string {
	if keys == nil {
		return m
	}
	out := map[string]string{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// merged is what an update sends for a map field: have without the keys
// rediskit owned and the stack dropped, with the stack's keys on top. With
// the owned keys unknown it is the stack's map.
func merged(have, want map[string]string, ownedKeys []string) map[string]string {
	if ownedKeys == nil {
		return want
	}
	out := maps.Clone(have)
	if out == nil {
		out = map[string]string{}
	}
	for _, k := range ownedKeys {
		delete(out, k)
	}
	maps.Copy(out, want)
	return out
}
