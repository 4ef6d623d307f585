package provision

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
)

// chainOnlyTLSConfig trusts exactly the certificates in caPEM and checks
// the server's chain against them, without a host name: a private backend
// is addressed by IP and its certificate need not name that IP
// (Memorystore's do not promise to). Everything else about the
// certificate is checked as usual; nothing is skipped.
func chainOnlyTLSConfig(caPEM []byte) (*tls.Config, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("the backend's CA certificate is not valid PEM, which is a rediskit bug: please report it")
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Go's own check always wants a host name; VerifyConnection below
		// replaces it with the same chain check minus the name.
		InsecureSkipVerify: true, //nolint:gosec // the chain is verified in VerifyConnection
		VerifyConnection: func(cs tls.ConnectionState) error {
			return verifyChain(cs.PeerCertificates, pool)
		},
	}, nil
}

// verifyChain checks that certs (leaf first) chain up to a root in pool
// and that the leaf may serve TLS, as crypto/tls would, minus the name.
func verifyChain(certs []*x509.Certificate, pool *x509.CertPool) error {
	if len(certs) == 0 {
		return errors.New("tls: the server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: certs, Err: err}
	}
	return nil
}
