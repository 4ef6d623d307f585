package cloudruntest

import (
	"context"
	"fmt"
	"hash/crc32"
	"slices"
	"strconv"

	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// maxPayload is Secret Manager's limit on a version's data.
const maxPayload = 64 * 1024

// secretManager is the google.cloud.secretmanager.v1 side of the fake.
// Its callers (rediskit, with Application Default Credentials) are taken
// to be allowed everything; revisions are not (see accessAsLocked).
type secretManager struct {
	secretmanagerpb.UnimplementedSecretManagerServiceServer
	s *Server
}

// enter counts a call and returns its fault, locking the fake on success.
func (h *secretManager) enter(method string) error {
	h.s.stepAll()
	if f := h.s.journal.Enter(method); f != nil {
		return faultErr(f)
	}
	h.s.mu.Lock()
	return nil
}

// CreateSecret creates a secret; a taken id is AlreadyExists.
func (h *secretManager) CreateSecret(_ context.Context, req *secretmanagerpb.CreateSecretRequest) (*secretmanagerpb.Secret, error) {
	if err := h.enter("CreateSecret"); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	if !secretIDPattern.MatchString(req.GetSecretId()) {
		return nil, status.Errorf(codes.InvalidArgument, "secret_id %q must be 1 to 255 letters, digits, - or _", req.GetSecretId())
	}
	if req.GetSecret().GetReplication() == nil {
		return nil, status.Error(codes.InvalidArgument, "secret.replication is required")
	}
	key, err := secretKey(req.GetParent() + "/secrets/" + req.GetSecretId())
	if err != nil {
		return nil, err
	}
	if _, taken := h.s.secrets[key]; taken {
		return nil, status.Errorf(codes.AlreadyExists, "Secret [%s] already exists.", key)
	}
	return h.s.addSecretLocked(key, req.GetSecret()), nil
}

func (s *Server) addSecretLocked(key string, in *secretmanagerpb.Secret) *secretmanagerpb.Secret {
	sec := proto.Clone(in).(*secretmanagerpb.Secret)
	sec.Name, sec.CreateTime, sec.Etag = key, timestamppb.Now(), newEtag()
	s.secrets[key] = &secret{secret: sec, policy: newPolicy()}
	return proto.Clone(sec).(*secretmanagerpb.Secret)
}

// GetSecret returns a secret or NotFound.
func (h *secretManager) GetSecret(_ context.Context, req *secretmanagerpb.GetSecretRequest) (*secretmanagerpb.Secret, error) {
	if err := h.enter("GetSecret"); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	sec, err := h.s.secretLocked(req.GetName())
	if err != nil {
		return nil, err
	}
	return proto.Clone(sec.secret).(*secretmanagerpb.Secret), nil
}

// DeleteSecret deletes a secret and all its versions.
func (h *secretManager) DeleteSecret(_ context.Context, req *secretmanagerpb.DeleteSecretRequest) (*emptypb.Empty, error) {
	if err := h.enter("DeleteSecret"); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	sec, err := h.s.secretLocked(req.GetName())
	if err != nil {
		return nil, err
	}
	if req.GetEtag() != "" && req.GetEtag() != sec.secret.GetEtag() {
		return nil, status.Errorf(codes.Aborted, "etag %s does not match the secret's", req.GetEtag())
	}
	delete(h.s.secrets, sec.secret.GetName())
	return &emptypb.Empty{}, nil
}

// AddSecretVersion adds an enabled version holding the payload. A Lost
// fault adds it and still fails, as when the answer is lost on the way.
func (h *secretManager) AddSecretVersion(_ context.Context, req *secretmanagerpb.AddSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	h.s.stepAll()
	f := h.s.journal.Enter("AddSecretVersion")
	if f != nil && !f.Lost {
		return nil, faultErr(f)
	}
	h.s.mu.Lock()
	v, err := h.s.addVersionLocked(req)
	h.s.mu.Unlock()
	if err == nil && f != nil {
		return nil, faultErr(f)
	}
	return v, err
}

func (s *Server) addVersionLocked(req *secretmanagerpb.AddSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	sec, err := s.secretLocked(req.GetParent())
	if err != nil {
		return nil, err
	}
	data := req.GetPayload().GetData()
	if len(data) > maxPayload {
		return nil, status.Errorf(codes.InvalidArgument, "payload is %d bytes, more than the %d allowed", len(data), maxPayload)
	}
	if sum := req.GetPayload().DataCrc32C; sum != nil && *sum != int64(crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli))) {
		return nil, status.Error(codes.InvalidArgument, "payload.data_crc32c does not match the data")
	}
	return sec.add(data), nil
}

func (sec *secret) add(data []byte) *secretmanagerpb.SecretVersion {
	n := len(sec.versions) + 1
	meta := &secretmanagerpb.SecretVersion{Name: versionName(sec.secret.GetName(), n), CreateTime: timestamppb.Now(),
		State: secretmanagerpb.SecretVersion_ENABLED, Etag: newEtag()}
	sec.versions = append(sec.versions, &version{meta: meta, payload: slices.Clone(data)})
	return proto.Clone(meta).(*secretmanagerpb.SecretVersion)
}

// GetSecretVersion returns a version's metadata.
func (h *secretManager) GetSecretVersion(_ context.Context, req *secretmanagerpb.GetSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	if err := h.enter("GetSecretVersion"); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	v, err := h.s.versionLocked(req.GetName())
	if err != nil {
		return nil, err
	}
	return proto.Clone(v.meta).(*secretmanagerpb.SecretVersion), nil
}

// AccessSecretVersion returns an enabled version's payload.
func (h *secretManager) AccessSecretVersion(_ context.Context, req *secretmanagerpb.AccessSecretVersionRequest) (*secretmanagerpb.AccessSecretVersionResponse, error) {
	if err := h.enter("AccessSecretVersion"); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	v, err := h.s.versionLocked(req.GetName())
	if err != nil {
		return nil, err
	}
	if v.meta.GetState() != secretmanagerpb.SecretVersion_ENABLED {
		return nil, status.Errorf(codes.FailedPrecondition, "Secret Version [%s] is in %s state.", v.meta.GetName(), v.meta.GetState())
	}
	sum := int64(crc32.Checksum(v.payload, crc32.MakeTable(crc32.Castagnoli)))
	return &secretmanagerpb.AccessSecretVersionResponse{Name: v.meta.GetName(),
		Payload: &secretmanagerpb.SecretPayload{Data: slices.Clone(v.payload), DataCrc32C: &sum}}, nil
}

// ListSecretVersions lists a secret's versions, newest first, in one page.
func (h *secretManager) ListSecretVersions(_ context.Context, req *secretmanagerpb.ListSecretVersionsRequest) (*secretmanagerpb.ListSecretVersionsResponse, error) {
	if err := h.enter("ListSecretVersions"); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	sec, err := h.s.secretLocked(req.GetParent())
	if err != nil {
		return nil, err
	}
	out := &secretmanagerpb.ListSecretVersionsResponse{TotalSize: int32(len(sec.versions))}
	for i := len(sec.versions) - 1; i >= 0; i-- {
		out.Versions = append(out.Versions, proto.Clone(sec.versions[i].meta).(*secretmanagerpb.SecretVersion))
	}
	return out, nil
}

// DisableSecretVersion disables a version.
func (h *secretManager) DisableSecretVersion(_ context.Context, req *secretmanagerpb.DisableSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	return h.setState("DisableSecretVersion", req.GetName(), req.GetEtag(), secretmanagerpb.SecretVersion_DISABLED)
}

// EnableSecretVersion enables a version.
func (h *secretManager) EnableSecretVersion(_ context.Context, req *secretmanagerpb.EnableSecretVersionRequest) (*secretmanagerpb.SecretVersion, error) {
	return h.setState("EnableSecretVersion", req.GetName(), req.GetEtag(), secretmanagerpb.SecretVersion_ENABLED)
}

func (h *secretManager) setState(method, name, etag string, state secretmanagerpb.SecretVersion_State) (*secretmanagerpb.SecretVersion, error) {
	if err := h.enter(method); err != nil {
		return nil, err
	}
	defer h.s.mu.Unlock()
	v, err := h.s.versionLocked(name)
	if err != nil {
		return nil, err
	}
	if etag != "" && etag != v.meta.GetEtag() {
		return nil, status.Errorf(codes.Aborted, "etag %s does not match the version's", etag)
	}
	if v.meta.GetState() == secretmanagerpb.SecretVersion_DESTROYED {
		return nil, status.Errorf(codes.FailedPrecondition, "Secret Version [%s] is destroyed.", v.meta.GetName())
	}
	v.meta.State, v.meta.Etag = state, newEtag()
	return proto.Clone(v.meta).(*secretmanagerpb.SecretVersion), nil
}

func (s *Server) secretLocked(name string) (*secret, error) {
	key, err := secretKey(name)
	if err != nil {
		return nil, err
	}
	sec, ok := s.secrets[key]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", key)
	}
	return sec, nil
}

func (s *Server) versionLocked(name string) (*version, error) {
	key, ver, err := splitVersion(name)
	if err != nil {
		return nil, err
	}
	sec, ok := s.secrets[key]
	if !ok {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", key)
	}
	return sec.version(ver)
}

// version returns version ver ("3", "latest": the newest) of sec.
func (sec *secret) version(ver string) (*version, error) {
	n := len(sec.versions)
	if ver != "latest" {
		var err error
		if n, err = strconv.Atoi(ver); err != nil || n < 1 || n > len(sec.versions) {
			return nil, status.Errorf(codes.NotFound, "Secret Version [%s/versions/%s] not found.", sec.secret.GetName(), ver)
		}
	}
	if n == 0 {
		return nil, status.Errorf(codes.NotFound, "Secret [%s] not found or has no versions.", sec.secret.GetName())
	}
	return sec.versions[n-1], nil
}

// String names a secret for test failures.
func (sec *secret) String() string {
	return fmt.Sprintf("%s (%d versions)", sec.secret.GetName(), len(sec.versions))
}
