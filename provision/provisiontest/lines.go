package provisiontest

import "sync"

// Lines collects the lines an adapter reports through callbacks such as
// Env.Warn or a Connection's Progress, which may run on several
// goroutines. The zero value is ready to use.
type Lines struct {
	mu   sync.Mutex
	list []string
}

// Add records one line; pass it as the callback.
func (l *Lines) Add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, s)
}

// All returns a copy of the lines so far.
func (l *Lines) All() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.list...)
}
