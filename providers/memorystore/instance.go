package memorystore

import (
	"net"
	"net/url"
	"strconv"
	"strings"

	"cloud.google.com/go/redis/apiv1/redispb"

	"github.com/rediskit/rediskit/provision"
)

// instanceFrom turns an API instance and its AUTH string into an Instance.
// The AUTH string goes into the URL only. sent is what rediskit sent or
// recorded that the API need not echo as sent.
func instanceFrom(inst *redispb.Instance, auth string, sent sent) *provision.Instance {
	status := strings.ToLower(inst.GetState().String())
	if inst.GetState() == redispb.Instance_READY {
		status = provision.StatusReady
	}
	return &provision.Instance{
		ID:      inst.GetName(),
		Attrs:   attrsOf(inst, sent),
		URL:     connectionURL(inst, auth),
		Status:  status,
		CACert:  caBundle(inst),
		Private: true,
	}
}

// connectionURL is rediss://:AUTH@HOST:PORT/0 with transit encryption (on
// the port the API reports, 6378), redis:// without, and no user info
// without AUTH. It is "" while the instance has no address.
func connectionURL(inst *redispb.Instance, auth string) string {
	if inst.GetHost() == "" || inst.GetPort() == 0 {
		return ""
	}
	u := url.URL{Scheme: "redis", Host: net.JoinHostPort(inst.GetHost(), strconv.Itoa(int(inst.GetPort()))), Path: "/0"}
	if tlsOn(inst) {
		u.Scheme = "rediss"
	}
	if auth != "" {
		u.User = url.UserPassword("", auth)
	}
	return u.String()
}

func tlsOn(inst *redispb.Instance) bool {
	return inst.GetTransitEncryptionMode() == redispb.Instance_SERVER_AUTHENTICATION
}

// caBundle joins every certificate in server_ca_certs: during a CA
// rotation clients must trust the old and the new one.
func caBundle(inst *redispb.Instance) []byte {
	if !tlsOn(inst) {
		return nil
	}
	var b strings.Builder
	for _, c := range inst.GetServerCaCerts() {
		pem := strings.TrimSpace(c.GetCert())
		if pem != "" {
			b.WriteString(pem)
			b.WriteString("\n")
		}
	}
	if b.Len() == 0 {
		return nil
	}
	return []byte(b.String())
}

// attrsOf returns the non-secret attributes recorded in state, in the
// form the stack uses (see normalize.go). The AUTH string is never one of
// them.
func attrsOf(inst *redispb.Instance, sent sent) map[string]string {
	project, region, id := splitName(inst.GetName())
	a := map[string]string{
		"project":            project,
		"region":             region,
		"instance":           id,
		"tier":               inst.GetTier().String(),
		"memory_size_gb":     strconv.Itoa(int(inst.GetMemorySizeGb())),
		"redis_version":      inst.GetRedisVersion(),
		"network":            fullNetworkName(inst.GetAuthorizedNetwork(), project),
		"connect_mode":       connectMode(inst),
		"reserved_ip_range":  reservedRange(inst, sent.reservedRange),
		"auth":               strconv.FormatBool(inst.GetAuthEnabled()),
		"transit_encryption": strconv.FormatBool(tlsOn(inst)),
		"labels":             joinMap(owned(inst.GetLabels(), sent.labels)),
		"redis_configs":      joinMap(owned(inst.GetRedisConfigs(), sent.configs)),
		"replica_count":      strconv.Itoa(int(inst.GetReplicaCount())),
		"read_replicas_mode": readReplicasMode(inst),
		"host":               inst.GetHost(),
		"port":               strconv.Itoa(int(inst.GetPort())),
		"zone":               inst.GetCurrentLocationId(),
		"state":              inst.GetState().String(),
	}
	addComputed(a, inst)
	sent.record(a)
	return a
}

// splitName splits projects/P/locations/R/instances/I.
func splitName(name string) (project, region, id string) {
	parts := strings.Split(name, "/")
	if len(parts) != 6 {
		return "", "", name
	}
	return parts[1], parts[3], parts[5]
}
