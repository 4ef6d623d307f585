package cost

import (
	"fmt"
	"math"
	"strconv"
)

// USD formats dollars with cents: "$35.77".
func USD(v float64) string {
	return fmt.Sprintf("$%.2f", Cents(v))
}

// Cents rounds dollars to whole cents, as every figure rediskit prints is.
func Cents(v float64) float64 { return math.Round(v*100) / 100 }

// Count formats a number of commands briefly: 950, 69K, 2.1M.
func Count(n int64) string {
	switch {
	case n >= 999_500:
		return strconv.FormatFloat(float64(n)/1e6, 'f', 1, 64) + "M"
	case n >= 1000:
		return strconv.FormatFloat(math.Round(float64(n)/1e3), 'f', 0, 64) + "K"
	}
	return strconv.FormatInt(n, 10)
}

// GB formats a size in GB without needless digits: 1, 0.25, 2.5.
func GB(v float64) string { return trimFloat(math.Round(v*100) / 100) }

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
