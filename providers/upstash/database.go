package upstash

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// listDatabases returns every database the API key can see, without
// credentials: the list is only searched by name.
func (cl *client) listDatabases(ctx context.Context) ([]*Database, error) {
	body, err := cl.do(ctx, call{op: "list databases", method: http.MethodGet,
		path: "/v2/redis/databases?credentials=hide"})
	if err != nil {
		return nil, err
	}
	return decodeDatabases(body)
}

// getDatabase reads one database. With hide, the answer has no password.
func (cl *client) getDatabase(ctx context.Context, id string, hide bool) (*Database, error) {
	path := "/v2/redis/database/" + url.PathEscape(id)
	if hide {
		path += "?credentials=hide"
	}
	body, err := cl.do(ctx, call{op: "read database " + id, method: http.MethodGet, path: path})
	if err != nil {
		return nil, err
	}
	return decodeDatabase(body)
}

// createDatabase sends one create request, never retried here: whether a
// retry is safe depends on whether the failed attempt created the database,
// which only a list can tell (see Backend.Create).
func (cl *client) createDatabase(ctx context.Context, req createRequest) (*Database, error) {
	body, err := cl.do(ctx, call{op: fmt.Sprintf("create database %q", req.Name),
		method: http.MethodPost, path: "/v2/redis/database", body: req, once: true})
	if err != nil {
		return nil, err
	}
	return decodeDatabase(body)
}

// deleteDatabase deletes one database; the answer is "OK".
func (cl *client) deleteDatabase(ctx context.Context, id string) error {
	_, err := cl.do(ctx, call{op: "delete database " + id, method: http.MethodDelete,
		path: "/v2/redis/database/" + url.PathEscape(id)})
	return err
}

// renameDatabase renames one database; the answer is the database.
func (cl *client) renameDatabase(ctx context.Context, id, name string) error {
	_, err := cl.do(ctx, call{op: fmt.Sprintf("rename database %s to %q", id, name),
		method: http.MethodPost, path: "/v2/redis/rename/" + url.PathEscape(id),
		body: map[string]string{"name": name}})
	return err
}

// setEviction enables or disables eviction; the answer is "OK".
func (cl *client) setEviction(ctx context.Context, id string, on bool) error {
	verb := "disable"
	if on {
		verb = "enable"
	}
	_, err := cl.do(ctx, call{op: verb + " eviction on database " + id, method: http.MethodPost,
		path: "/v2/redis/" + verb + "-eviction/" + url.PathEscape(id)})
	return err
}

// updateBudget sets the monthly budget; the endpoint is a PATCH answering "OK".
func (cl *client) updateBudget(ctx context.Context, id string, budget int) error {
	_, err := cl.do(ctx, call{op: "update budget of database " + id, method: http.MethodPatch,
		path: "/v2/redis/update-budget/" + url.PathEscape(id), body: map[string]int{"budget": budget}})
	return err
}

// updateRegions replaces the whole read-region list; the answer is "OK".
func (cl *client) updateRegions(ctx context.Context, id string, regions []string) error {
	if regions == nil {
		regions = []string{} // the API wants a list, not null
	}
	_, err := cl.do(ctx, call{op: "update read regions of database " + id, method: http.MethodPost,
		path: "/v2/redis/update-regions/" + url.PathEscape(id), body: map[string][]string{"read_regions": regions}})
	return err
}

// changePlan moves a database to another plan; the answer is "OK".
func (cl *client) changePlan(ctx context.Context, id, plan string) error {
	_, err := cl.do(ctx, call{op: fmt.Sprintf("change plan of database %s to %s", id, plan),
		method: http.MethodPost, path: "/v2/redis/" + url.PathEscape(id) + "/change-plan",
		body: map[string]string{"plan_name": plan}})
	return err
}
