package cloudrun

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
	"github.com/rediskit/rediskit/provision"
)

var private = provision.Placement{Private: true, Network: network, Project: project, Region: region}

func checkDiag(t *testing.T, err error, want ...string) {
	t.Helper()
	var d *hcl.Diagnostic
	if !errors.As(err, &d) {
		t.Fatalf("want a diagnostic, got %v", err)
	}
	for _, w := range want {
		if !strings.Contains(d.Summary+"\n"+d.Detail, w) {
			t.Errorf("diagnostic lacks %q:\n%s\n%s", w, d.Summary, d.Detail)
		}
	}
}

func TestCheckPlacement(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{})
	ctx := context.Background()
	if err := r.tgt.CheckPlacement(ctx, attrs(t), provision.Placement{}); err != nil {
		t.Errorf("public backend: %v", err)
	}
	checkDiag(t, r.tgt.CheckPlacement(ctx, attrs(t), private), "cannot reach a private Redis", "network projects/acme-prod/global/networks/default",
		"  vpc {\n    network    = \"default\"\n    subnetwork = \"default\"", "gcloud run services update acme-web")
	if err := r.tgt.CheckPlacement(ctx, attrs(t, "vpc {\n}"), private); err != nil {
		t.Errorf("with a vpc block: %v", err)
	}
	checkDiag(t, r.tgt.CheckPlacement(ctx, attrs(t, "vpc {\n  network = \"other\"\n}"), private), "VPC network differs", `Set network = "default"`)
	missing := attrs(t)
	missing[AttrService] = "acme-api"
	checkDiag(t, r.tgt.CheckPlacement(ctx, missing, provision.Placement{}), "Cloud Run service not found", "gcloud run deploy acme-api")
	if r.fake.Calls("UpdateService") != 0 {
		t.Error("a check changed the service")
	}
}

func TestCheckPlacementConnector(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{Connector: "projects/acme-prod/locations/us-central1/connectors/web"})
	if err := r.tgt.CheckPlacement(context.Background(), attrs(t), private); err != nil {
		t.Errorf("a service with a connector: %v", err)
	}
}

func TestContainerChoice(t *testing.T) {
	r := newRig(t, cloudruntest.Options{}, cloudruntest.ExampleOptions{Sidecar: true})
	ctx := context.Background()
	if err := r.tgt.CheckPlacement(ctx, attrs(t), provision.Placement{}); err != nil {
		t.Errorf("the serving container is the app: %v", err)
	}
	checkDiag(t, r.tgt.CheckPlacement(ctx, attrs(t, `container = "proxy"`), provision.Placement{}), "No such container", `"web", "otel-collector"`)
	if _, _, err := r.tgt.Read(ctx, attrs(t, `container = "otel-collector"`)); err != nil {
		t.Errorf("a named container: %v", err)
	}
}
