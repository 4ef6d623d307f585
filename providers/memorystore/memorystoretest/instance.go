package memorystoretest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"cloud.google.com/go/redis/apiv1/redispb"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/rediskit/rediskit/internal/redistest"
)

var (
	parentPattern     = regexp.MustCompile(`^projects/([^/]+)/locations/([^/]+)$`)
	instanceIDPattern = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$`)
	networkPattern    = regexp.MustCompile(`^projects/[^/]+/global/networks/[^/]+$`)
	versionPattern    = regexp.MustCompile(`^REDIS_([0-9]+)_([0-9X])$`)
)

// entry is one instance and the redis-server behind it.
type entry struct {
	inst     *redispb.Instance
	auth     string            // the AUTH string while AUTH is on
	redis    *redistest.Server // nil for an unreachable instance
	password string            // the server's requirepass now
}

func (e *entry) stop() error {
	if e.redis == nil {
		return nil
	}
	return e.redis.Close()
}

// admin runs f on a client of the instance's redis-server.
func (e *entry) admin(ca *redistest.CA, f func(context.Context, *redis.Client) error) error {
	if e.redis == nil {
		return nil
	}
	opt := &redis.Options{Addr: e.redis.Addr(), Password: e.password, Protocol: 2, DisableIdentity: true}
	if e.inst.GetTransitEncryptionMode() == redispb.Instance_SERVER_AUTHENTICATION {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(ca.CertPEM())
		opt.TLSConfig = &tls.Config{RootCAs: pool, ServerName: InstanceHostname, MinVersion: tls.VersionTLS12}
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return f(ctx, c)
}

// setRequirePass changes the server's password ("" turns AUTH off).
func (e *entry) setRequirePass(ca *redistest.CA, pw string) error {
	err := e.admin(ca, func(ctx context.Context, c *redis.Client) error {
		return c.ConfigSet(ctx, "requirepass", pw).Err()
	})
	if err != nil {
		return fmt.Errorf("memorystoretest: set requirepass: %w", err)
	}
	e.password = pw
	return nil
}

// newInstance validates a create request as the API does and returns the
// instance it makes, with the defaults the service fills in.
func newInstance(req *redispb.CreateInstanceRequest) (*redispb.Instance, error) {
	m := parentPattern.FindStringSubmatch(req.GetParent())
	if m == nil {
		return nil, status.Errorf(codes.InvalidArgument, "parent %q is not projects/{project}/locations/{region}", req.GetParent())
	}
	if !instanceIDPattern.MatchString(req.GetInstanceId()) {
		return nil, status.Errorf(codes.InvalidArgument, "instance_id %q must be 1 to 40 lowercase letters, digits or hyphens, start with a letter and end with a letter or digit", req.GetInstanceId())
	}
	in := req.GetInstance()
	if in == nil {
		return nil, status.Error(codes.InvalidArgument, "instance is required")
	}
	inst := proto.Clone(in).(*redispb.Instance)
	inst.Name = req.GetParent() + "/instances/" + req.GetInstanceId()
	if err := checkShape(inst); err != nil {
		return nil, err
	}
	fillDefaults(inst, m[1], m[2])
	return inst, nil
}

func checkShape(inst *redispb.Instance) error {
	switch {
	case inst.GetTier() == redispb.Instance_TIER_UNSPECIFIED:
		return status.Error(codes.InvalidArgument, "tier is required")
	case inst.GetMemorySizeGb() < 1 || inst.GetMemorySizeGb() > 300:
		return status.Errorf(codes.InvalidArgument, "memory_size_gb %d must be between 1 and 300", inst.GetMemorySizeGb())
	case inst.GetRedisVersion() != "" && !versionPattern.MatchString(inst.GetRedisVersion()):
		return status.Errorf(codes.InvalidArgument, "redis_version %q is not supported", inst.GetRedisVersion())
	case inst.GetAuthorizedNetwork() != "" && !networkPattern.MatchString(inst.GetAuthorizedNetwork()) && !rangeNamePattern.MatchString(inst.GetAuthorizedNetwork()):
		return status.Errorf(codes.InvalidArgument, "authorized_network %q must be a network name or projects/{project}/global/networks/{network}", inst.GetAuthorizedNetwork())
	}
	if err := checkRange(inst); err != nil {
		return err
	}
	if err := checkSecondaryRange(inst, inst.GetSecondaryIpRange()); err != nil {
		return err
	}
	return checkReplicas(inst)
}

func fillDefaults(inst *redispb.Instance, project, region string) {
	if inst.RedisVersion == "" {
		inst.RedisVersion = "REDIS_7_0"
	}
	// The API reports the network by its full name whatever it was given.
	if inst.AuthorizedNetwork == "" {
		inst.AuthorizedNetwork = "default"
	}
	if !networkPattern.MatchString(inst.AuthorizedNetwork) {
		inst.AuthorizedNetwork = "projects/" + project + "/global/networks/" + inst.AuthorizedNetwork
	}
	if inst.ConnectMode == redispb.Instance_CONNECT_MODE_UNSPECIFIED {
		inst.ConnectMode = redispb.Instance_DIRECT_PEERING
	}
	if inst.TransitEncryptionMode == redispb.Instance_TRANSIT_ENCRYPTION_MODE_UNSPECIFIED {
		inst.TransitEncryptionMode = redispb.Instance_DISABLED
	}
	if inst.ReadReplicasMode == redispb.Instance_READ_REPLICAS_MODE_UNSPECIFIED {
		inst.ReadReplicasMode = redispb.Instance_READ_REPLICAS_DISABLED
	}
	if inst.Tier == redispb.Instance_STANDARD_HA && inst.ReplicaCount == 0 {
		inst.ReplicaCount = 1
		if readReplicasOn(inst) {
			inst.ReplicaCount = 2
		}
	}
	if inst.LocationId == "" {
		inst.LocationId = region + "-a"
	}
	if inst.Tier == redispb.Instance_STANDARD_HA && inst.AlternativeLocationId == "" {
		inst.AlternativeLocationId = region + "-b"
	}
	inst.CurrentLocationId = inst.LocationId
	inst.SecondaryIpRange = resolveSecondary(inst.SecondaryIpRange)
	inst.Host = "127.0.0.1"
	inst.State = redispb.Instance_CREATING
	inst.CreateTime = timestamppb.Now()
	inst.PersistenceIamIdentity = "serviceAccount:service-" + project + "@cloud-redis.iam.gserviceaccount.com"
}

// serve starts the redis-server behind inst (or, when unreachable, finds
// a port where nothing listens) and fills in the port, CA certificates and
// AUTH string.
func (s *Server) serve(e *entry, unreachable bool) error {
	inst := e.inst
	useTLS := inst.GetTransitEncryptionMode() == redispb.Instance_SERVER_AUTHENTICATION
	if useTLS {
		inst.ServerCaCerts = []*redispb.TlsCertificate{s.caCert(s.otherCA, 1), s.caCert(s.ca, 2)}
	}
	if inst.GetAuthEnabled() {
		e.auth = s.newAuthString()
	}
	if unreachable {
		port, err := silentPort()
		inst.Port = int32(port)
		return err
	}
	srv, err := redistest.StartServer(redistest.Options{
		Password: e.auth, TLS: useTLS, CA: s.ca,
		// gcp-apis.md §6b row 9: clients reach the instance by IP, which
		// its certificate need not name; only the chain can be checked.
		Hostnames: []string{InstanceHostname}, NoIPSAN: true,
		Dir: filepath.Join(s.dir, strings.ReplaceAll(inst.GetName(), "/", "_")+"-"+strconv.FormatInt(time.Now().UnixNano(), 36)),
	})
	if err != nil {
		return status.Errorf(codes.Internal, "memorystoretest: start redis-server: %v", err)
	}
	e.redis, e.password, inst.Port = srv, srv.Password, int32(srv.Port)
	if !inst.GetAuthEnabled() {
		return e.setRequirePass(s.ca, "")
	}
	return nil
}

// InstanceHostname is the only name on the fake's server certificates:
// not the IP address in Instance.Host that clients connect to.
const InstanceHostname = "redis-instance.memorystore.invalid"

func (s *Server) caCert(ca *redistest.CA, serial int) *redispb.TlsCertificate {
	now := time.Now()
	return &redispb.TlsCertificate{
		SerialNumber: strconv.Itoa(serial), Cert: string(ca.CertPEM()),
		CreateTime: timestamppb.New(now), ExpireTime: timestamppb.New(now.AddDate(10, 0, 0)),
	}
}

// silentPort returns a loopback port where nothing listens.
func silentPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, status.Errorf(codes.Internal, "memorystoretest: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}

// newAuthString makes an AUTH string and remembers it for AuthStrings.
func (s *Server) newAuthString() string {
	a := authString()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued = append(s.issued, a)
	return a
}

// authString makes a UUID-shaped AUTH string, as Memorystore does.
func authString() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// versionAtLeast reports whether version a is b or newer.
func versionAtLeast(a, b string) bool {
	return versionKey(a) >= versionKey(b)
}

func versionKey(v string) int {
	m := versionPattern.FindStringSubmatch(v)
	if m == nil {
		return 0
	}
	major, _ := strconv.Atoi(m[1])
	minor := 9 // "X" is the newest of its major version
	if m[2] != "X" {
		minor, _ = strconv.Atoi(m[2])
	}
	return major*10 + minor
}
