package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/rediskit/rediskit/providers/tlsurl"
	"github.com/rediskit/rediskit/provision"
)

// djangoEnv is the variable the printed CHANNEL_LAYERS block reads, the one
// a dotenv target writes by default.
const djangoEnv = "REDIS_URL"

// outputOf is the output of redis block name: its URL, masked unless
// reveal, and for a backend with a CA of its own the CA file that URL
// names (see caFileFor), so that the URL works as it is.
func outputOf(stack *provision.Stack, name string, inst *provision.Instance, reveal bool) (outputValue, error) {
	url := provision.MaskURL(inst.URL)
	if reveal {
		url = inst.URL
	}
	o := outputValue{Name: name, URL: url, Sensitive: true, TLS: strings.HasPrefix(inst.URL, "rediss://")}
	if !o.TLS || len(inst.CACert) == 0 {
		return o, nil // plain, or a certificate the system trusts
	}
	path, err := caFileFor(stack, name, inst.CACert)
	if err != nil {
		return o, err
	}
	o.URL, o.CAFile = tlsurl.WithCAFile(url, path), path
	return o, nil
}

// caFileFor writes the backend's CA bundle to .rediskit/ca/NAME.pem beside
// the local state file (beside the stack for a gcs state), mode 0600, when
// it is missing or holds another CA, and returns its absolute path. The
// dotenv target keeps its own copy beside the .env file, which the app may
// be deployed with; this one is for people, who copy a URL from here.
func caFileFor(stack *provision.Stack, name string, pem []byte) (string, error) {
	dir := filepath.Join(stack.Dir, ".rediskit", "ca")
	if stack.State.Backend == "local" && stack.State.Path != "" {
		dir = filepath.Join(filepath.Dir(stack.State.Path), "ca")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("find the folder for redis.%s's CA file: %w; run rediskit from the stack's folder", name, err)
	}
	path := filepath.Join(dir, name+".pem")
	err = os.MkdirAll(dir, 0o700)
	if err == nil {
		err = tlsurl.WriteCAFile(path, pem)
	}
	if err != nil {
		return "", fmt.Errorf("write redis.%s's CA file %s: %w; make %s writable by this user", name, path, err, dir)
	}
	return path, nil
}
