package cloudrun

import (
	"testing"

	"github.com/rediskit/rediskit/provision"
)

func TestMovesInOneChangeOnlyOnTheSameService(t *testing.T) {
	base := func(service, env string) provision.TargetAttrs {
		return provision.TargetAttrs{AttrProject: "p", AttrRegion: "us-central1", AttrService: service, AttrEnv: env, AttrCASecret: service + "-ca"}
	}
	var tg Target
	if !tg.MovesInOneChange(base("web", "REDIS_URL"), base("web", "CHANNELS_URL")) {
		t.Error("a rename on one service is not one change")
	}
	if tg.MovesInOneChange(base("web", "REDIS_URL"), base("worker", "REDIS_URL")) {
		t.Error("a move to another service claims to be one change")
	}
	if tg.MovesInOneChange(provision.TargetAttrs{}, base("web", "REDIS_URL")) {
		t.Error("incomplete previous settings claim to be one change")
	}
}
