package gcp

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// adcFileName is the file `gcloud auth application-default login` writes.
const adcFileName = "application_default_credentials.json"

// credentialsFile returns the credentials file to use, in the order the
// Google libraries look: GOOGLE_APPLICATION_CREDENTIALS, then gcloud's file
// (in CLOUDSDK_CONFIG when set, as gcloud itself honours it). fromEnv is set
// when the file came from GOOGLE_APPLICATION_CREDENTIALS, which is used even
// when it does not exist, so that a wrong path is reported.
func (c *Connector) credentialsFile() (file string, fromEnv bool) {
	if f := c.getenv("GOOGLE_APPLICATION_CREDENTIALS"); f != "" {
		return f, true
	}
	for _, dir := range c.gcloudDirs() {
		f := filepath.Join(dir, adcFileName)
		if info, err := os.Stat(f); err == nil && info.Mode().IsRegular() {
			return f, false
		}
	}
	return "", false
}

// gcloudDirs are the folders gcloud may keep its configuration in.
func (c *Connector) gcloudDirs() []string {
	var dirs []string
	if d := c.getenv("CLOUDSDK_CONFIG"); d != "" {
		dirs = append(dirs, d)
	}
	if runtime.GOOS == "windows" {
		if d := c.getenv("APPDATA"); d != "" {
			dirs = append(dirs, filepath.Join(d, "gcloud"))
		}
	} else if home := c.getenv("HOME"); home != "" {
		dirs = append(dirs, filepath.Join(home, ".config", "gcloud"))
	}
	return dirs
}

// onGoogleCloud reports, without any network call, whether a metadata
// server can be expected: GCE_METADATA_HOST names one, Cloud Run sets
// K_SERVICE or CLOUD_RUN_JOB, and Compute Engine machines (Cloud Build, GKE)
// say "Google" in their DMI product name. NO_GCE_CHECK=true says no.
func (c *Connector) onGoogleCloud() bool {
	// NO_GCE_CHECK=true is Google's own switch (google-auth) for "do not
	// look for a metadata server".
	if v := strings.ToLower(c.getenv("NO_GCE_CHECK")); v == "true" || v == "1" {
		return false
	}
	for _, v := range []string{"GCE_METADATA_HOST", "K_SERVICE", "CLOUD_RUN_JOB"} {
		if c.getenv(v) != "" {
			return true
		}
	}
	b, err := os.ReadFile(c.dmiProductFile)
	if err != nil {
		return false
	}
	name := strings.TrimSpace(string(b))
	return name == "Google" || name == "Google Compute Engine"
}
