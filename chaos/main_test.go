package chaos

import (
	"bytes"
	"flag"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var (
	flagCalls    = flag.Int("chaos.calls", 0, "calls through TestChaos's main engine (0: about 20 seconds' worth)")
	flagSeed     = flag.Uint64("chaos.seed", 0, "seed of the chaos plan (0: a new one, printed)")
	flagRealTime = flag.Duration("chaos.realtime", 0, "how long TestChaosRealTime runs (0: 3s)")
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// seedFor returns the seed of a test's plan and makes sure that a failure prints it.
func seedFor(t *testing.T) uint64 {
	seed := *flagSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("FAILED with seed %d: replay with go test -run '^%s$' -chaos.seed=%d", seed, t.Name(), seed)
		}
	})
	return seed
}

// heapAfterGC returns the live heap after collecting everything that can be collected.
func heapAfterGC() uint64 {
	var m runtime.MemStats
	for range 3 { // a finalizer or a sync.Pool may free more on the next cycle
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// liveGoroutines counts the goroutines that are alive, from a stack dump of all of them.
// runtime.NumGoroutine may still count, for a moment, a goroutine that has just returned.
func liveGoroutines() int {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Count(buf[:n], []byte("\n\ngoroutine ")) + 1
		}
		buf = make([]byte, 2*len(buf))
	}
}

// goroutinesBackTo waits, for up to two seconds, until no more than want goroutines are alive,
// and returns how many are. Outside a synctest bubble, goroutines that were told to stop may
// take a moment to do so.
func goroutinesBackTo(want int) int {
	n := liveGoroutines()
	for wait := time.Microsecond; n > want && wait < 2*time.Second; wait *= 2 {
		time.Sleep(wait)
		n = liveGoroutines()
	}
	return n
}

const mib = 1 << 20

// goroutineDump returns the stacks of every goroutine, grouped, to show what was left behind.
func goroutineDump() string {
	var b strings.Builder
	_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
	return b.String()
}

// heapDump writes a heap profile to a file and returns its name, to show what held the heap.
func heapDump() string {
	f, err := os.CreateTemp("", "chaos-heap-*.pprof")
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		return err.Error()
	}
	return "go tool pprof -sample_index=inuse_space -top " + f.Name()
}
