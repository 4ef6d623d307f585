package gcp

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	redis "cloud.google.com/go/redis/apiv1"

	"github.com/rediskit/rediskit/provision"
)

// connector returns a Connector over env that collects its warnings and
// sees no Google Cloud machine.
func connector(t *testing.T, env map[string]string) (*Connector, *[]string) {
	t.Helper()
	var warnings []string
	c := New(provision.Env{Getenv: func(k string) string { return env[k] }, Warn: func(m string) { warnings = append(warnings, m) }})
	c.dmiProductFile = filepath.Join(t.TempDir(), "product_name")
	return c, &warnings
}

func TestEmulatorEndpoint(t *testing.T) {
	c, warnings := connector(t, map[string]string{EnvEndpoint: "127.0.0.1:8085"})
	for range 2 {
		opts, err := c.ClientOptions(context.Background())
		if err != nil || len(opts) != 4 {
			t.Fatalf("ClientOptions = %d options, %v", len(opts), err)
		}
	}
	if len(*warnings) != 1 || !strings.Contains((*warnings)[0], "emulators and tests only") {
		t.Errorf("warnings = %q, want one about emulators", *warnings)
	}
	if !c.Emulated() {
		t.Error("Emulated() = false")
	}
	bad, _ := connector(t, map[string]string{EnvEndpoint: "localhost"})
	if _, err := bad.ClientOptions(context.Background()); err == nil || !strings.Contains(err.Error(), "is not host:port") {
		t.Errorf("endpoint without port: %v", err)
	}
}

func TestNoCredentials(t *testing.T) {
	home := t.TempDir()
	c, warnings := connector(t, map[string]string{"HOME": home})
	_, err := c.ClientOptions(context.Background())
	if !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), "gcloud auth application-default login") ||
		!strings.Contains(err.Error(), "GOOGLE_APPLICATION_CREDENTIALS") {
		t.Fatalf("got %v", err)
	}
	if len(*warnings) != 0 {
		t.Errorf("warnings = %q", *warnings)
	}

	missing := filepath.Join(home, "nope.json")
	c, _ = connector(t, map[string]string{"HOME": home, "GOOGLE_APPLICATION_CREDENTIALS": missing})
	if _, err := c.ClientOptions(context.Background()); !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), missing) {
		t.Errorf("a missing credentials file: %v", err)
	}
}

func TestGcloudCredentialsFile(t *testing.T) {
	for _, configVar := range []string{"HOME", "CLOUDSDK_CONFIG"} {
		dir := t.TempDir()
		gcloud := dir
		if configVar == "HOME" {
			gcloud = filepath.Join(dir, ".config", "gcloud")
		}
		writeJSON(t, filepath.Join(gcloud, adcFileName), map[string]string{
			"type": "authorized_user", "client_id": "id.apps.googleusercontent.com", "client_secret": "s", "refresh_token": "r"})
		c, _ := connector(t, map[string]string{configVar: dir})
		opts, err := c.ClientOptions(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", configVar, err)
		}
		// Building a client reads nothing more and dials nothing.
		client, err := redis.NewCloudRedisClient(context.Background(), opts...)
		if err != nil {
			t.Fatalf("%s: %v", configVar, err)
		}
		_ = client.Close()
	}
}

func TestServiceAccountKey(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "sa.json")
	writeJSON(t, file, map[string]string{"type": "service_account", "project_id": "acme-prod",
		"private_key_id": "1", "private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "rediskit@acme-prod.iam.gserviceaccount.com", "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"})
	c, _ := connector(t, map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": file})
	if _, err := c.ClientOptions(context.Background()); err != nil {
		t.Fatal(err)
	}
	broken := filepath.Join(t.TempDir(), "broken.json")
	writeJSON(t, broken, map[string]string{"type": "nonsense"})
	c, _ = connector(t, map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": broken})
	if _, err := c.ClientOptions(context.Background()); !errors.Is(err, ErrNoCredentials) || !strings.Contains(err.Error(), broken) {
		t.Errorf("a broken credentials file: %v", err)
	}
}

func TestOnGoogleCloud(t *testing.T) {
	c, _ := connector(t, nil)
	if c.onGoogleCloud() {
		t.Error("a machine without hints counts as Google Cloud")
	}
	for _, name := range []string{"Google Compute Engine\n", "Google"} {
		if err := os.WriteFile(c.dmiProductFile, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
		if !c.onGoogleCloud() {
			t.Errorf("DMI product %q does not count as Google Cloud", name)
		}
	}
	off, _ := connector(t, map[string]string{"NO_GCE_CHECK": "True", "K_SERVICE": "web"})
	off.dmiProductFile = c.dmiProductFile
	if off.onGoogleCloud() {
		t.Error("NO_GCE_CHECK=True does not turn the metadata server off")
	}
	for _, v := range []string{"K_SERVICE", "CLOUD_RUN_JOB", "GCE_METADATA_HOST"} {
		c, _ := connector(t, map[string]string{v: "x"})
		if !c.onGoogleCloud() {
			t.Errorf("%s does not count as Google Cloud", v)
		}
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
