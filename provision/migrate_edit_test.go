package provision

import (
	"strings"
	"testing"
)

func TestSwitchProviderKeepsEverythingElse(t *testing.T) {
	src := `# the Redis for the channel layer
redis "channels" {
  provider = "upstash" # serves REDIS_URL now

  upstash {
    name = "acme"
  }

  memorystore {} # standby
}

redis "cache" {
  provider = "upstash"
  upstash {}
}
`
	out, err := SwitchProvider([]byte(src), "stack.hcl", "channels", "memorystore")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(src, `provider = "upstash" # serves`, `provider = "memorystore" # serves`, 1)
	if string(out) != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out, want)
	}
	if _, err := SwitchProvider([]byte(src), "stack.hcl", "nope", "local"); err == nil {
		t.Fatal("switched a block that does not exist")
	}
}

func TestSuggestBlockUsesTheStack(t *testing.T) {
	stack := &Stack{Targets: []*TargetBlock{{Redis: "channels", Attrs: TargetAttrs{"project": "acme-prod", "region": "europe-west1"}}}}
	got := SuggestBlock(stack, &RedisBlock{Name: "channels"}, "memorystore")
	for _, want := range []string{`project            = "acme-prod"`, `region             = "europe-west1"`, `instance           = "channels"`} {
		if !strings.Contains(got, want) {
			t.Fatalf("suggestion lacks %s:\n%s", want, got)
		}
	}
}

func TestInstanceName(t *testing.T) {
	for in, want := range map[string]string{"Channels_1": "channels-1", "1st": "redis-1st", "web-": "web"} {
		if got := instanceName(in); got != want {
			t.Errorf("instanceName(%q) = %q, want %q", in, got, want)
		}
	}
}
