package cmd

import (
	"fmt"
	"slices"
	"strings"

	"cloud.google.com/go/iam/apiv1/iampb"
	"cloud.google.com/go/run/apiv2/runpb"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/rediskit/rediskit/providers/cloudrun/cloudruntest"
)

// The `cloudrun` subcommands that check a service or a secret: each
// returns what is wrong, or "".

// crCheck runs the subcommands that check a service or a secret.
func crCheck(ts *testscript.TestScript, fake *cloudruntest.Server, neg bool, sub string, args []string) {
	var problem string
	switch sub {
	case "env":
		problem = crEnv(ts, fake, args)
	case "annotation":
		problem = crAnnotation(ts, fake, args)
	case "ready":
		problem = crReady(ts, fake, args)
	case "revisions":
		problem = crRevisions(ts, fake, args)
	case "vpc":
		problem = crVPC(ts, fake, args)
	case "mount":
		problem = crMount(ts, fake, args)
	case "secret":
		problem = crSecret(ts, fake, args)
	default:
		ts.Fatalf("unknown cloudrun subcommand %q", sub)
	}
	switch {
	case problem != "" && !neg:
		ts.Fatalf("%s", problem)
	case problem == "" && neg:
		ts.Fatalf("cloudrun %s %s holds", sub, strings.Join(args, " "))
	}
}

func crEnv(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) string {
	if len(args) != 3 {
		ts.Fatalf("usage: cloudrun env SERVICE VAR plain|=VALUE|unset|SECRET:VERSION")
	}
	var got string
	for _, e := range crApp(crService(ts, fake, args[0])).GetEnv() {
		if e.GetName() != args[1] {
			continue
		}
		got = "plain"
		if strings.HasPrefix(args[2], "=") {
			got = "=" + e.GetValue()
		}
		if ref := e.GetValueSource().GetSecretKeyRef(); ref != nil {
			got = ref.GetSecret() + ":" + ref.GetVersion()
		}
	}
	if got == "" {
		got = "unset"
	}
	if got != args[2] {
		if strings.HasPrefix(got, "=") {
			got = "another plain value" // it may hold a password
		}
		return fmt.Sprintf("%s of %s is %s, want %s", args[1], args[0], got, args[2])
	}
	return ""
}

func crAnnotation(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) string {
	if len(args) != 3 {
		ts.Fatalf("usage: cloudrun annotation SERVICE KEY VALUE")
	}
	if got := crService(ts, fake, args[0]).GetAnnotations(); got[args[1]] != args[2] {
		return fmt.Sprintf("service %s has annotations %v, want %s=%s", args[0], got, args[1], args[2])
	}
	return ""
}

func crReady(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) string {
	svc := crService(ts, fake, crArg(ts, args, 0, "cloudrun ready SERVICE"))
	if svc.GetReconciling() || svc.GetLatestReadyRevision() != svc.GetLatestCreatedRevision() ||
		svc.GetTerminalCondition().GetState() != runpb.Condition_CONDITION_SUCCEEDED {
		return fmt.Sprintf("service %s is not ready: reconciling %v, ready %s, created %s, %s", args[0], svc.GetReconciling(),
			svc.GetLatestReadyRevision(), svc.GetLatestCreatedRevision(), svc.GetTerminalCondition())
	}
	return ""
}

func crRevisions(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) string {
	if len(args) != 2 {
		ts.Fatalf("usage: cloudrun revisions SERVICE N")
	}
	revs := fake.Revisions(crParent + "/services/" + args[0])
	if len(revs) != msInt(ts, args[1]) {
		return fmt.Sprintf("service %s has made %d revisions (%s), want %s", args[0], len(revs), strings.Join(revs, ", "), args[1])
	}
	return ""
}

func crVPC(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) string {
	if len(args) < 2 {
		ts.Fatalf("usage: cloudrun vpc SERVICE none|NETWORK [SUBNETWORK]")
	}
	vpc := crService(ts, fake, args[0]).GetTemplate().GetVpcAccess()
	got := "none"
	if ni := vpc.GetNetworkInterfaces(); len(ni) > 0 {
		got = ni[0].GetNetwork()
		if len(args) > 2 {
			got += " " + ni[0].GetSubnetwork()
		}
	}
	if want := strings.Join(args[1:], " "); got != want {
		return fmt.Sprintf("the VPC egress of %s is %q (%v), want %q", args[0], got, vpc, want)
	}
	return ""
}

func crMount(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) string {
	if len(args) != 3 {
		ts.Fatalf("usage: cloudrun mount SERVICE PATH SECRET:VERSION")
	}
	svc := crService(ts, fake, args[0])
	for _, m := range crApp(svc).GetVolumeMounts() {
		for _, v := range svc.GetTemplate().GetVolumes() {
			src := v.GetSecret()
			if v.GetName() != m.GetName() || src == nil {
				continue
			}
			for _, it := range src.GetItems() {
				if m.GetMountPath()+"/"+it.GetPath() == args[1] && src.GetSecret()+":"+it.GetVersion() == args[2] {
					return ""
				}
			}
		}
	}
	return fmt.Sprintf("%s does not mount %s at %s: %v / %v", args[0], args[2], args[1], crApp(svc).GetVolumeMounts(), svc.GetTemplate().GetVolumes())
}

func crSecret(ts *testscript.TestScript, fake *cloudruntest.Server, args []string) string {
	id := crArg(ts, args, 0, "cloudrun secret ID [N:STATE...] [label:K=V] [reader:EMAIL]")
	sec, versions, policy, ok := fake.Secret("projects/acme-prod/secrets/" + id)
	if !ok {
		return "there is no secret " + id
	}
	for _, want := range args[1:] {
		kind, value, _ := strings.Cut(want, ":")
		switch kind {
		case "label":
			k, v, _ := strings.Cut(value, "=")
			if sec.GetLabels()[k] != v {
				return fmt.Sprintf("secret %s has labels %v, want %s", id, sec.GetLabels(), value)
			}
		case "reader":
			if !slices.ContainsFunc(policy.GetBindings(), func(b *iampb.Binding) bool {
				return b.GetRole() == "roles/secretmanager.secretAccessor" && slices.Contains(b.GetMembers(), "serviceAccount:"+value)
			}) {
				return fmt.Sprintf("secret %s: %s may not read it (%v)", id, value, policy.GetBindings())
			}
		default:
			n := msInt(ts, kind)
			if n > len(versions) || !strings.EqualFold(versions[n-1].State.String(), value) {
				return fmt.Sprintf("secret %s has versions %s, want %d %s", id, crVersions(versions), n, value)
			}
		}
	}
	return ""
}

func crVersions(vs []cloudruntest.SecretVersion) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%d:%s", v.Number, v.State))
	}
	return strings.Join(parts, " ")
}
