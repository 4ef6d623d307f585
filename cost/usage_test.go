package cost

import "testing"

func TestModel(t *testing.T) {
	tests := []struct {
		name string
		u    Usage
		want int64
	}{
		{"one idle core worker", Usage{Workers: 1, Layer: LayerCore}, 2_102_400},
		{"layer defaults to core", Usage{Workers: 2}, 4_204_800},
		// 50,000 × 30.4167 × 10 = 15,208,333
		{"messages on core", Usage{MessagesPerDay: 50_000, Layer: LayerCore}, 15_208_333},
		{"pubsub workers cost nothing idle", Usage{Workers: 3, Layer: LayerPubSub}, 0},
		// 50,000 × 30.4167 × 1
		{"messages on pubsub", Usage{Workers: 3, MessagesPerDay: 50_000, Layer: LayerPubSub}, 1_520_833},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Model(tt.u, SourceStack)
			if !d.CommandsKnown || d.CommandsPerMonth != tt.want {
				t.Fatalf("Model(%+v) = %d (known %v), want %d", tt.u, d.CommandsPerMonth, d.CommandsKnown, tt.want)
			}
			if d.Model.IdleCommands+d.Model.MessageCommands != d.CommandsPerMonth {
				t.Errorf("breakdown %+v does not add up to %d", d.Model, d.CommandsPerMonth)
			}
		})
	}
}

func TestMeasuredDemand(t *testing.T) {
	tests := []struct {
		name      string
		m         Measured
		perMonth  int64
		basis     string
		storageGB float64
	}{
		{"complete days averaged, today left out",
			Measured{DailyRequests: []int64{100_000, 110_000, 90_000, 100_000, 7}, StorageBytes: 1 << 29},
			3_041_667, "average of the last 4 complete days", 0.5},
		{"a single day is used as is", Measured{DailyRequests: []int64{1000}}, 30_417, "average of the last 1 complete day", 0},
		{"no series: today so far", Measured{TodayCommands: 2000}, 60_833, "today's commands so far, as a whole day", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.m.Demand()
			if d.CommandsPerMonth != tt.perMonth || d.Basis != tt.basis || d.StorageGB != tt.storageGB || d.Source != SourceMeasured {
				t.Fatalf("Demand() = %d, %q, %v GB, %q; want %d, %q, %v GB, measured",
					d.CommandsPerMonth, d.Basis, d.StorageGB, d.Source, tt.perMonth, tt.basis, tt.storageGB)
			}
		})
	}
}

func TestFormat(t *testing.T) {
	for in, want := range map[int64]string{950: "950", 69_120: "69K", 500_000: "500K", 999_600: "1.0M", 2_102_400: "2.1M", 17_885_000: "17.9M"} {
		if got := Count(in); got != want {
			t.Errorf("Count(%d) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[float64]string{35.769999: "$35.77", 0: "$0.00", 4.2048: "$4.20"} {
		if got := USD(in); got != want {
			t.Errorf("USD(%v) = %q, want %q", in, got, want)
		}
	}
}
