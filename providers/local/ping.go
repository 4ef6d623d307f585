package local

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// pingTimeout bounds one readiness probe, so that a hung server reads as
// stopped instead of stalling a plan.
const pingTimeout = time.Second

// ping sends AUTH and PING to 127.0.0.1:port and checks the answers. It
// speaks RESP itself rather than through a client library so that nothing
// ever logs the password or writes to the process's stderr. Errors never
// contain the password.
func ping(ctx context.Context, port int, password string) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if _, err := conn.Write([]byte(command("AUTH", password) + command("PING"))); err != nil {
		return err
	}
	r := bufio.NewReader(conn)
	for _, want := range []string{"+OK", "+PONG"} {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		if got := strings.TrimRight(line, "\r\n"); got != want {
			return fmt.Errorf("server answered %q", firstWord(got))
		}
	}
	return nil
}

// command encodes a RESP array of bulk strings.
func command(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// firstWord keeps an error reply's code ("-WRONGPASS", "-LOADING") only.
func firstWord(s string) string {
	w, _, _ := strings.Cut(s, " ")
	return w
}
