package memorystoretest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	redisapi "cloud.google.com/go/redis/apiv1"
	"cloud.google.com/go/redis/apiv1/redispb"
	"github.com/redis/go-redis/v9"
	"google.golang.org/api/option"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

const parent = "projects/p/locations/us-central1"

func client(t *testing.T, addr string) *redisapi.CloudRedisClient {
	t.Helper()
	c, err := redisapi.NewCloudRedisClient(context.Background(), option.WithEndpoint(addr), option.WithoutAuthentication(),
		option.WithGRPCDialOption(grpc.WithTransportCredentials(insecure.NewCredentials())))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func createReq(id string, tlsOn bool) *redispb.CreateInstanceRequest {
	inst := &redispb.Instance{Tier: redispb.Instance_BASIC, MemorySizeGb: 1, AuthEnabled: true}
	if tlsOn {
		inst.TransitEncryptionMode = redispb.Instance_SERVER_AUTHENTICATION
	}
	return &redispb.CreateInstanceRequest{Parent: parent, InstanceId: id, Instance: inst}
}

// ping connects to inst as an app would, trusting server_ca_certs.
func ping(t *testing.T, inst *redispb.Instance, auth string) error {
	t.Helper()
	opt := &redis.Options{Addr: net.JoinHostPort(inst.GetHost(), strconv.Itoa(int(inst.GetPort()))), Password: auth,
		DialTimeout: time.Second, MaxRetries: -1}
	if certs := inst.GetServerCaCerts(); len(certs) > 0 {
		pool := x509.NewCertPool()
		for _, c := range certs {
			pool.AppendCertsFromPEM([]byte(c.GetCert()))
		}
		// The certificate does not name the IP (§6b row 9): the chain is
		// checked against server_ca_certs under the name it does carry.
		opt.TLSConfig = &tls.Config{RootCAs: pool, ServerName: InstanceHostname, MinVersion: tls.VersionTLS12}
	}
	c := redis.NewClient(opt)
	defer c.Close()
	return c.Ping(context.Background()).Err()
}

func TestCreateRunsARealServer(t *testing.T) {
	for _, tlsOn := range []bool{true, false} {
		fake := Start(t, Options{Delay: 50 * time.Millisecond})
		c := client(t, fake.Addr())
		op, err := c.CreateInstance(context.Background(), createReq("one", tlsOn))
		if err != nil {
			t.Fatal(err)
		}
		if op.Done() {
			t.Error("the create finished at once despite the delay")
		}
		if inst, _ := fake.Instance(parent + "/instances/one"); inst.GetState() != redispb.Instance_CREATING {
			t.Errorf("state while creating = %v", inst.GetState())
		}
		inst, err := op.Wait(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if inst.GetState() != redispb.Instance_READY || inst.GetHost() != "127.0.0.1" || inst.GetRedisVersion() == "" ||
			inst.GetAuthorizedNetwork() != "projects/p/global/networks/default" {
			t.Errorf("created %v", inst)
		}
		auth, err := c.GetInstanceAuthString(context.Background(), &redispb.GetInstanceAuthStringRequest{Name: inst.GetName()})
		if err != nil || auth.GetAuthString() == "" {
			t.Fatalf("auth string: %v", err)
		}
		if err := ping(t, inst, auth.GetAuthString()); err != nil {
			t.Errorf("tls %v: PING with the AUTH string: %v", tlsOn, err)
		}
		if err := ping(t, inst, "wrong"); err == nil {
			t.Errorf("tls %v: PING with a wrong password worked", tlsOn)
		}
		if tlsOn != (len(inst.GetServerCaCerts()) == 2) {
			t.Errorf("tls %v: %d CA certificates", tlsOn, len(inst.GetServerCaCerts()))
		}
		if fake.Calls("CreateInstance") != 1 || fake.Calls("GetOperation") == 0 {
			t.Errorf("calls: %d creates, %d GetOperation", fake.Calls("CreateInstance"), fake.Calls("GetOperation"))
		}
	}
}

func TestErrorsAndFaults(t *testing.T) {
	fake := Start(t, Options{})
	c := client(t, fake.Addr())
	ctx := context.Background()
	name := parent + "/instances/one"
	if _, err := c.GetInstance(ctx, &redispb.GetInstanceRequest{Name: name}); status.Code(err) != codes.NotFound {
		t.Errorf("GetInstance of nothing = %v", err)
	}
	if _, err := c.CreateInstance(ctx, createReq("Bad_Id", false)); status.Code(err) != codes.InvalidArgument {
		t.Errorf("bad id = %v", err)
	}
	fake.Fail(Fault{Method: "CreateInstance", Code: codes.Unavailable, Skip: 0, Count: 1, Lost: true})
	if _, err := c.CreateInstance(ctx, createReq("one", false)); status.Code(err) != codes.Unavailable {
		t.Errorf("lost create = %v", err)
	}
	if _, err := c.CreateInstance(ctx, createReq("one", false)); status.Code(err) != codes.AlreadyExists {
		t.Errorf("second create = %v, want AlreadyExists: the lost one took effect", err)
	}
	fake.Fail(Fault{Method: "GetInstance", Code: codes.ResourceExhausted, Skip: 1})
	for i, want := range []codes.Code{codes.OK, codes.ResourceExhausted, codes.OK} {
		if _, err := c.GetInstance(ctx, &redispb.GetInstanceRequest{Name: name}); status.Code(err) != want {
			t.Errorf("GetInstance %d = %v, want %v", i, err, want)
		}
	}
	mask := func(paths ...string) *redispb.UpdateInstanceRequest {
		return &redispb.UpdateInstanceRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}, Instance: &redispb.Instance{Name: name, MemorySizeGb: 2}}
	}
	if _, err := c.UpdateInstance(ctx, mask()); status.Code(err) != codes.InvalidArgument {
		t.Errorf("empty mask = %v", err)
	}
	if _, err := c.UpdateInstance(ctx, mask("tier")); status.Code(err) != codes.InvalidArgument {
		t.Errorf("tier in the mask = %v", err)
	}
	fake.FailNextOperation(codes.Internal, "boom")
	op, err := c.UpdateInstance(ctx, mask("memory_size_gb"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := op.Wait(ctx); status.Code(err) != codes.Internal {
		t.Errorf("failed operation = %v", err)
	}
	if err := fake.SetState(name, redispb.Instance_MAINTENANCE); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateInstance(ctx, mask("memory_size_gb")); status.Code(err) != codes.FailedPrecondition {
		t.Errorf("update during maintenance = %v", err)
	}
	_ = fake.SetState(name, redispb.Instance_READY)
	if _, err := c.UpgradeInstance(ctx, &redispb.UpgradeInstanceRequest{Name: name, RedisVersion: "REDIS_5_0"}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("downgrade = %v", err)
	}
	del, err := c.DeleteInstance(ctx, &redispb.DeleteInstanceRequest{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	if err := del.Wait(ctx); err != nil || len(fake.Names()) != 0 {
		t.Errorf("delete: %v, left %v", err, fake.Names())
	}
}

func TestSharesAGRPCServer(t *testing.T) {
	ops := NewOperations()
	a, err := New(Options{Operations: ops})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = a.Close() })
	g := grpc.NewServer()
	ops.Register(g)
	a.Register(g) // must not register Operations a second time
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = g.Serve(l) }()
	t.Cleanup(g.Stop)
	a.SetUnreachable(true)
	c := client(t, l.Addr().String())
	op, err := c.CreateInstance(context.Background(), createReq("one", false))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := op.Wait(context.Background())
	if err != nil || ops.Calls("GetOperation") != a.Calls("GetOperation") {
		t.Fatalf("wait: %v", err)
	}
	if err := ping(t, inst, "x"); err == nil {
		t.Error("an unreachable instance answered")
	}
}

// gcp-apis.md §6b row 9: a TLS instance's certificate is signed by its own
// CA (server_ca_certs) and need not name the IP address clients use, so a
// client that checks the host name against Instance.Host fails, and one that
// checks the chain against server_ca_certs succeeds.
func TestDocumentedRow9CertificateDoesNotNameTheIP(t *testing.T) {
	fake := Start(t, Options{})
	c := client(t, fake.Addr())
	op, err := c.CreateInstance(context.Background(), createReq("one", true))
	if err != nil {
		t.Fatal(err)
	}
	inst, err := op.Wait(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	for _, cert := range inst.GetServerCaCerts() {
		pool.AppendCertsFromPEM([]byte(cert.GetCert()))
	}
	addr := net.JoinHostPort(inst.GetHost(), strconv.Itoa(int(inst.GetPort())))
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: inst.GetHost(), MinVersion: tls.VersionTLS12})
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		if conn != nil {
			conn.Close()
		}
		t.Fatalf("dial checking the host name %s = %v, want a host name error", inst.GetHost(), err)
	}
	conn, err = tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: InstanceHostname, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatalf("the chain does not verify against server_ca_certs: %v", err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	for _, ip := range leaf.IPAddresses {
		if ip.String() == inst.GetHost() {
			t.Errorf("the certificate names %s", ip)
		}
	}
}
