package cloudruntest

import (
	"maps"
	"slices"
	"time"

	"cloud.google.com/go/run/apiv2/runpb"
	"google.golang.org/genproto/googleapis/api"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ExampleServiceAccount is the runtime service account of ExampleService.
func ExampleServiceAccount(project string) string {
	return "web@" + project + ".iam.gserviceaccount.com"
}

// ExampleOptions vary ExampleService.
type ExampleOptions struct {
	// DefaultServiceAccount leaves the template's service account empty,
	// so that revisions run as the Compute Engine default one.
	DefaultServiceAccount bool
	// Sidecar adds a second container that serves no port.
	Sidecar bool
	// Connector gives the service a Serverless VPC Access connector.
	Connector string
	// Env adds plain variables to the app container (a REDIS_URL set by
	// hand before rediskit, say).
	Env map[string]string
}

// ExampleService is a Django Channels app as it might be deployed: labels,
// annotations, client fields, scaling, a startup probe, plain and secret
// variables, a volume and traffic to the latest revision — all things
// rediskit must leave alone. Its secrets come from ExampleSecrets.
func ExampleService(project, region, id string, opts ExampleOptions) *runpb.Service {
	t := &runpb.RevisionTemplate{
		Labels:                        map[string]string{"release": "1-4-2"},
		Annotations:                   map[string]string{"acme.dev/commit": "4f2a9c1"},
		Scaling:                       &runpb.RevisionScaling{MinInstanceCount: 1, MaxInstanceCount: 10},
		Timeout:                       durationpb.New(300 * time.Second),
		ServiceAccount:                ExampleServiceAccount(project),
		MaxInstanceRequestConcurrency: 80,
		ExecutionEnvironment:          runpb.ExecutionEnvironment_EXECUTION_ENVIRONMENT_GEN2,
		SessionAffinity:               true,
		Containers:                    []*runpb.Container{appContainer(project, opts.Env)},
		Volumes: []*runpb.Volume{{Name: "cache", VolumeType: &runpb.Volume_EmptyDir{
			EmptyDir: &runpb.EmptyDirVolumeSource{Medium: runpb.EmptyDirVolumeSource_MEMORY, SizeLimit: "64Mi"}}}},
	}
	if opts.DefaultServiceAccount {
		t.ServiceAccount = ""
	}
	if opts.Sidecar {
		t.Containers = append(t.Containers, &runpb.Container{Name: "otel-collector",
			Image:     "us-docker.pkg.dev/cloud-ops-agents-artifacts/cloud-run-gmp-sidecar/cloud-run-gmp-sidecar:1.2.0",
			Resources: &runpb.ResourceRequirements{Limits: map[string]string{"cpu": "0.5", "memory": "256Mi"}}})
	}
	if opts.Connector != "" {
		t.VpcAccess = &runpb.VpcAccess{Connector: opts.Connector, Egress: runpb.VpcAccess_PRIVATE_RANGES_ONLY}
	}
	return &runpb.Service{
		Name:        "projects/" + project + "/locations/" + region + "/services/" + id,
		Description: "Acme web front end (Django + Channels)",
		Labels:      map[string]string{"team": "web", "env": "prod"},
		Annotations: map[string]string{"acme.dev/owner": "web-team@acme.dev"},
		Client:      "gcloud", ClientVersion: "512.0.0",
		Ingress:     runpb.IngressTraffic_INGRESS_TRAFFIC_ALL,
		LaunchStage: api.LaunchStage_GA,
		Scaling:     &runpb.ServiceScaling{MinInstanceCount: 1},
		Template:    t,
		Traffic:     []*runpb.TrafficTarget{{Type: runpb.TrafficTargetAllocationType_TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST, Percent: 100}},
	}
}

func appContainer(project string, extra map[string]string) *runpb.Container {
	env := []*runpb.EnvVar{
		{Name: "DJANGO_SETTINGS_MODULE", Values: &runpb.EnvVar_Value{Value: "acme.settings.prod"}},
		{Name: "ALLOWED_HOSTS", Values: &runpb.EnvVar_Value{Value: ".run.app,acme.dev"}},
		secretEnv("DJANGO_SECRET_KEY", "django-secret-key", "2"),
		secretEnv("DATABASE_URL", "projects/"+project+"/secrets/database-url", "latest"),
	}
	for _, name := range slices.Sorted(maps.Keys(extra)) {
		env = append(env, &runpb.EnvVar{Name: name, Values: &runpb.EnvVar_Value{Value: extra[name]}})
	}
	return &runpb.Container{
		Name:  "web",
		Image: "us-central1-docker.pkg.dev/" + project + "/web/app:1.4.2",
		Args:  []string{"daphne", "-b", "0.0.0.0", "-p", "8080", "acme.asgi:application"},
		Env:   env,
		Resources: &runpb.ResourceRequirements{Limits: map[string]string{"cpu": "1", "memory": "512Mi"},
			CpuIdle: true, StartupCpuBoost: true},
		Ports: []*runpb.ContainerPort{{Name: "http1", ContainerPort: 8080}},
		StartupProbe: &runpb.Probe{TimeoutSeconds: 240, PeriodSeconds: 240, FailureThreshold: 1,
			ProbeType: &runpb.Probe_TcpSocket{TcpSocket: &runpb.TCPSocketAction{Port: 8080}}},
		VolumeMounts: []*runpb.VolumeMount{{Name: "cache", MountPath: "/var/cache/acme"}},
	}
}

func secretEnv(name, secret, version string) *runpb.EnvVar {
	return &runpb.EnvVar{Name: name, Values: &runpb.EnvVar_ValueSource{ValueSource: &runpb.EnvVarSource{
		SecretKeyRef: &runpb.SecretKeySelector{Secret: secret, Version: version}}}}
}

// AddExample adds ExampleService and the secrets it reads (unless an
// earlier example added them), readable by its runtime service account,
// and returns the service as stored.
func (s *Server) AddExample(project, region, id string, opts ExampleOptions) (*runpb.Service, error) {
	sa := ExampleServiceAccount(project)
	if opts.DefaultServiceAccount {
		sa = DefaultServiceAccount(project)
	}
	for id, payloads := range map[string][][]byte{
		"django-secret-key": {[]byte("old-key"), []byte("k3y-f0r-dj4ng0")},
		"database-url":      {[]byte("postgres://web@10.20.0.3:5432/acme")},
	} {
		name := "projects/" + project + "/secrets/" + id
		if _, _, _, ok := s.Secret(name); !ok {
			if err := s.AddSecret(project, id, nil, payloads); err != nil {
				return nil, err
			}
		}
		if err := s.Grant(name, "serviceAccount:"+sa); err != nil {
			return nil, err
		}
	}
	return s.AddService(ExampleService(project, region, id, opts))
}
