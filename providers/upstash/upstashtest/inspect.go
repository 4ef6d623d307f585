package upstashtest

import (
	"fmt"
	"time"
)

// Seed describes a database made behind rediskit's back, as if in the
// Upstash console.
type Seed struct {
	Name          string `json:"name"`
	PrimaryRegion string `json:"primary_region"` // default "us-east-1"
	// Created is its creation time; the fake's clock when zero.
	Created time.Time `json:"created"`
}

// AddDatabase makes a database out of band, redis-server included.
func (s *Server) AddDatabase(seed Seed) (DatabaseInfo, error) {
	b := &createBody{DatabaseName: seed.Name, PrimaryRegion: seed.PrimaryRegion}
	if b.PrimaryRegion == "" {
		b.PrimaryRegion = "us-east-1"
	}
	if msg := b.validate(); msg != "" {
		return DatabaseInfo{}, fmt.Errorf("upstashtest: %s", msg)
	}
	db, err := s.newDatabase(b, seed.Created)
	if err != nil {
		return DatabaseInfo{}, fmt.Errorf("upstashtest: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dbs = append(s.dbs, db)
	return db.info(s.opts.Endpoint), nil
}

// DeleteDatabase deletes a database out of band and stops its redis-server.
// It reports whether the database existed.
func (s *Server) DeleteDatabase(id string) bool {
	db := s.remove(id)
	if db == nil {
		return false
	}
	_ = db.redis.close()
	return true
}

// Databases returns every database, oldest first.
func (s *Server) Databases() []DatabaseInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DatabaseInfo, 0, len(s.dbs))
	for _, db := range s.dbs {
		out = append(out, db.info(s.opts.Endpoint))
	}
	return out
}

// Count returns how many databases exist.
func (s *Server) Count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.dbs)
}

// Database returns one database by id.
func (s *Server) Database(id string) (DatabaseInfo, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if db := s.find(id); db != nil {
		return db.info(s.opts.Endpoint), true
	}
	return DatabaseInfo{}, false
}
