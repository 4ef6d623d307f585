package redistest

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// tlsFiles are the paths redis.conf points at when serving TLS.
type tlsFiles struct {
	cert, key, ca string
}

// writeTLSFiles issues the server certificate for hostnames (default
// "localhost") plus 127.0.0.1 (unless noIP) from ca, or from a fresh CA when ca is nil, and
// writes all three PEM files.
func (s *Server) writeTLSFiles(ca *CA, hostnames []string, noIP bool) error {
	if ca == nil {
		fresh, err := NewCA()
		if err != nil {
			return err
		}
		ca = fresh
	}
	if len(hostnames) == 0 {
		hostnames = []string{"localhost"}
	}
	s.name = hostnames[0]
	hosts := hostnames
	if !noIP {
		hosts = slices.Concat(hostnames, []string{"127.0.0.1"})
	}
	certPEM, keyPEM, err := ca.Issue(hosts)
	if err != nil {
		return err
	}
	files := &tlsFiles{
		cert: filepath.Join(s.dir, "server.crt"),
		key:  filepath.Join(s.dir, "server.key"),
		ca:   filepath.Join(s.dir, "ca.crt"),
	}
	for _, f := range []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{files.cert, certPEM, 0o644},
		{files.key, keyPEM, 0o600},
		{files.ca, ca.CertPEM(), 0o644},
	} {
		if err := os.WriteFile(f.path, f.data, f.mode); err != nil {
			return fmt.Errorf("write test TLS file: %w", err)
		}
	}
	s.CACertPEM, s.CAFile, s.proc.tls = ca.CertPEM(), files.ca, files
	return nil
}
