package gcsstate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"

	"github.com/rediskit/rediskit/provision"
)

// This file is the whole Cloud Storage client: the four JSON API requests
// the store makes (object media, object metadata, media upload, delete),
// each with its generation precondition. It is plain net/http with an
// Application Default Credentials token source, rather than
// cloud.google.com/go/storage, whose package initialisation alone (gRPC
// xDS, OpenTelemetry exporters, Cloud Monitoring) cost every run of
// rediskit 19 MiB and a quarter of its start-up; see BENCHMARKS.md.

// EnvEmulatorHost names the variable that sends every request to a Cloud
// Storage emulator (host:port, or a URL), without TLS or credentials, as
// Google's own client libraries do.
const EnvEmulatorHost = "STORAGE_EMULATOR_HOST"

const (
	defaultEndpoint = "https://storage.googleapis.com"
	// readWriteScope covers reading, writing and deleting objects.
	readWriteScope = "https://www.googleapis.com/auth/devstorage.read_write"
)

// api sends JSON API requests for the objects of one bucket.
type api struct {
	http   *http.Client
	base   string // scheme://host of the JSON API
	bucket string
}

// newAPI returns a client for bucket: to the emulator when getenv names
// one, else to Cloud Storage with Application Default Credentials. The
// token source outlives ctx, so only ctx's values are kept.
func newAPI(ctx context.Context, bucket string, getenv func(string) string) (*api, error) {
	if host := strings.TrimSpace(getenv(EnvEmulatorHost)); host != "" {
		if !strings.Contains(host, "://") {
			host = "http://" + host
		}
		return &api{http: &http.Client{}, base: strings.TrimSuffix(host, "/"), bucket: bucket}, nil
	}
	ctx = context.WithoutCancel(ctx)
	creds, err := google.FindDefaultCredentials(ctx, readWriteScope)
	if err != nil {
		return nil, err
	}
	return &api{http: oauth2.NewClient(ctx, creds.TokenSource), base: defaultEndpoint, bucket: bucket}, nil
}

// objectMeta is the part of an object resource the store uses.
type objectMeta struct {
	Generation int64     `json:"generation,string"`
	Created    time.Time `json:"timeCreated"`
}

func (a *api) objectURL(name string, query url.Values) string {
	u := a.base + "/storage/v1/b/" + url.PathEscape(a.bucket) + "/o/" + url.PathEscape(name)
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// media returns an object's content and generation; gen 0 reads the
// latest generation. A missing object is an *apiError with code 404.
func (a *api) media(ctx context.Context, name string, gen int64) ([]byte, int64, error) {
	q := url.Values{"alt": {"media"}}
	if gen != 0 {
		q.Set("generation", strconv.FormatInt(gen, 10))
	}
	resp, err := a.do(ctx, http.MethodGet, a.objectURL(name, q), nil)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	got, err := strconv.ParseInt(resp.Header.Get("X-Goog-Generation"), 10, 64)
	if err != nil {
		return nil, 0, fmt.Errorf("the answer has no valid X-Goog-Generation header (%q)", resp.Header.Get("X-Goog-Generation"))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxObjectSize))
	if err != nil {
		return nil, 0, err
	}
	return data, got, nil
}

// meta returns an object's metadata.
func (a *api) meta(ctx context.Context, name string) (objectMeta, error) {
	resp, err := a.do(ctx, http.MethodGet, a.objectURL(name, nil), nil)
	if err != nil {
		return objectMeta{}, err
	}
	return decodeMeta(resp)
}

// upload stores data as name if the object's generation is ifGen, or, for
// ifGen 0, if it does not exist, and returns the new object's metadata.
func (a *api) upload(ctx context.Context, name string, data []byte, ifGen int64) (objectMeta, error) {
	q := url.Values{"uploadType": {"media"}, "name": {name}, "ifGenerationMatch": {strconv.FormatInt(ifGen, 10)}}
	u := a.base + "/upload/storage/v1/b/" + url.PathEscape(a.bucket) + "/o?" + q.Encode()
	resp, err := a.do(ctx, http.MethodPost, u, data)
	if err != nil {
		return objectMeta{}, err
	}
	return decodeMeta(resp)
}

// remove deletes generation gen of name, and only that generation.
func (a *api) remove(ctx context.Context, name string, gen int64) error {
	q := url.Values{"ifGenerationMatch": {strconv.FormatInt(gen, 10)}}
	resp, err := a.do(ctx, http.MethodDelete, a.objectURL(name, q), nil)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// do sends one request and returns the response when its status is 2xx;
// any other status is returned as an *apiError.
func (a *api) do(ctx context.Context, method, u string, body []byte) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, readAPIError(resp)
	}
	return resp, nil
}

func decodeMeta(resp *http.Response) (objectMeta, error) {
	defer resp.Body.Close()
	var m objectMeta
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxObjectSize)).Decode(&m); err != nil {
		return objectMeta{}, fmt.Errorf("decode the object's metadata: %w", err)
	}
	if m.Generation == 0 {
		return objectMeta{}, errors.New("decode the object's metadata: no generation")
	}
	return m, nil
}

// apiError is an error status from Cloud Storage, with the message and
// reason of its JSON error body when there is one.
type apiError struct {
	Code    int
	Message string
	Reason  string
}

func (e *apiError) Error() string {
	s := fmt.Sprintf("Cloud Storage answered %d %s", e.Code, http.StatusText(e.Code))
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s
}

// readAPIError reads the error body Cloud Storage sends with a status:
// {"error": {"code", "message", "errors": [{"reason", "message"}]}}.
func readAPIError(resp *http.Response) error {
	e := &apiError{Code: resp.StatusCode}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Error struct {
			Message string `json:"message"`
			Errors  []struct {
				Reason string `json:"reason"`
			} `json:"errors"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &body) == nil {
		e.Message = body.Error.Message
		if len(body.Error.Errors) > 0 {
			e.Reason = body.Error.Errors[0].Reason
		}
	} else {
		// Not Cloud Storage's JSON: a proxy's page, say.
		e.Message = provision.Clip(strings.TrimSpace(string(raw)), 200)
	}
	return e
}

// statusOf returns the HTTP status of a Cloud Storage error, or 0 when err
// is not one.
func statusOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}
