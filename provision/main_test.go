package provision_test

import (
	"os"
	"testing"

	"github.com/redis/go-redis/v9/logging"
)

// TestMain silences go-redis, which logs failed dials to stderr itself;
// the tests assert on the errors verification returns instead.
func TestMain(m *testing.M) {
	logging.Disable()
	os.Exit(m.Run())
}
