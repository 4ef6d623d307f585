package local

import (
	"testing"

	"github.com/rediskit/rediskit/provision"
)

func TestSizing(t *testing.T) {
	b := New(provision.Env{})
	if got := b.Sizing(&Spec{Name: "channels"}, nil); got != (provision.Sizing{Provider: "local"}) {
		t.Errorf("Sizing = %+v, want just the provider", got)
	}
}
